// TF.js activation names (tfjs-layers activations.ts class names) → ONNX opset 13 nodes.
//
// Activations newer than opset 13 in ONNX (Gelu is opset 20, Mish 18) are composed from older ops, written the
// way tfjs computes them, so TensorRT and OpenVINO, which lag the newest opsets, still read the file.
import { float, type GraphBuilder } from './onnxGraphBuilder';
import { onnxAxis, unsupported, type LayerCall } from './layerContext';

/** Applies `kind` to `x` (a value of TF rank `rank`); returns the result's name. */
export function applyActivation(c: LayerCall, kind: unknown, x: string, rank: number, hint: string): string {
  const b = c.b;
  const unary = (op: string, attrs = {}) => b.op(op, [x], attrs, hint);
  switch (kind ?? 'linear') {
    case 'linear': return x;
    case 'relu': return unary('Relu');
    case 'relu6': return clip(b, x, 0, 6, hint);
    case 'sigmoid': return unary('Sigmoid');
    case 'tanh': return unary('Tanh');
    case 'softplus': return unary('Softplus');
    case 'softsign': return unary('Softsign');
    case 'selu': return unary('Selu');
    case 'elu': return unary('Elu', { alpha: float(1) });
    // tfjs: clip(0.2·x + 0.5, 0, 1), ONNX's defaults.
    case 'hardSigmoid': return unary('HardSigmoid', { alpha: float(0.2), beta: float(0.5) });
    // tfjs' softmax activation works on the last TF axis, which is ONNX's channel axis for a rank-4 tensor.
    case 'softmax': return unary('Softmax', { axis: onnxAxis(-1, rank) });
    case 'logSoftmax': return unary('LogSoftmax', { axis: onnxAxis(-1, rank) });
    case 'swish': return b.op('Mul', [x, b.op('Sigmoid', [x], {}, `${hint}/sigmoid`)], {}, hint);
    case 'mish': {
      const sp = b.op('Softplus', [x], {}, `${hint}/softplus`);
      return b.op('Mul', [x, b.op('Tanh', [sp], {}, `${hint}/tanh`)], {}, hint);
    }
    case 'gelu': {
      // x · 0.5 · (1 + erf(x / √2)), tfjs' exact GELU.
      const erf = b.op('Erf', [b.op('Div', [x, b.scalar(Math.SQRT2)], {}, `${hint}/scaled`)], {}, `${hint}/erf`);
      const cdf = b.op('Mul', [b.op('Add', [erf, b.scalar(1)], {}, `${hint}/1p`), b.scalar(0.5)], {}, `${hint}/cdf`);
      return b.op('Mul', [x, cdf], {}, hint);
    }
    case 'gelu_new': {
      // 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³))), tfjs' tanh approximation.
      const x3 = b.op('Mul', [x, b.op('Mul', [x, x], {}, `${hint}/x2`)], {}, `${hint}/x3`);
      const inner = b.op('Add', [x, b.op('Mul', [x3, b.scalar(0.044715)], {}, `${hint}/cx3`)], {}, `${hint}/inner`);
      const arg = b.op('Mul', [inner, b.scalar(Math.sqrt(2 / Math.PI))], {}, `${hint}/arg`);
      const t = b.op('Tanh', [arg], {}, `${hint}/tanh`);
      const half = b.op('Mul', [b.op('Add', [t, b.scalar(1)], {}, `${hint}/1p`), b.scalar(0.5)], {}, `${hint}/half`);
      return b.op('Mul', [x, half], {}, hint);
    }
    default:
      throw unsupported(c, `activation "${String(kind)}"`);
  }
}

/** Clip takes its bounds as inputs since opset 11. */
export function clip(b: GraphBuilder, x: string, min: number, max: number, hint: string): string {
  return b.op('Clip', [x, b.scalar(min), b.scalar(max)], {}, hint);
}
