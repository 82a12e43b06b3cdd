;; Adam's update of one variable in a single pass over its values, for the wasm backend (fusedAdam.ts).
;;
;; tf.train.adam runs twelve wasm kernels per variable, each a pass over the whole tensor: for the recipe head's
;; 1280 × 256 kernel that was 2.4–2.7 ms of a 6–7 ms training step. This is the same arithmetic in the same order,
;; every operation a float32 operation (wasm has no implicit fused multiply-add), so its results are the very bits
;; tf.train.adam gives (test/unit/trainer/engine/fusedAdam.test.ts checks them step by step):
;;   m' = m·β1 + g·(1−β1)
;;   v' = v·β2 + (g·g)·(1−β2)
;;   w' = ((m' / (1−β1ᵗ)) / (sqrt(v' / (1−β2ᵗ)) + ε))·(−lr) + w
;; Subnormal floats: wasm cannot set the CPU's flush-to-zero mode, and x86 takes a microcode assist for every
;; subnormal operand or result, ~30× slower (measured: 0.44 ms per step for the 1280 × 256 kernel with normal
;; gradients, 13.6 ms with gradients of 1e-19, whose squares are subnormal; tf.train.adam 2.0 and 19.2 ms). A head's
;; zero and tiny gradients (ReLU, dropout) drive moments there: in the recipe head's fit this kernel took 1.58 ms a
;; step instead of 0.45. So, as TensorFlow's own CPU kernels do (they run with flush-to-zero and
;; denormals-are-zero set), values too small to matter are zero before any arithmetic: moments below 2^-125 (so
;; m·β1 and v·β2 stay normal) and gradients below 2^-58 (so g·g·(1−β2) stays normal). Above those, every value is
;; tf.train.adam's bit for bit; below them an update changes by less than 1e-15. NaN is never flushed: it reaches
;; the weights as it would with tf.train.adam, and the divergence guard stops the fit.
;; Pointers are byte offsets into the wasm backend's own memory, which this module imports. Four values per step
;; with SIMD, then the last n mod 4 one at a time.
;; Assembled by scripts/wasm-build.mjs into fusedAdamWasm.ts.
(module
  (import "env" "memory" (memory 1))
  ;; x, or 0 when |x| < limit (NaN stays).
  (func $flush (param $x f32) (param $limit f32) (result f32)
    (select (f32.const 0) (local.get $x) (f32.lt (f32.abs (local.get $x)) (local.get $limit))))
  (func (export "adam")
    (param $w i32) (param $m i32) (param $v i32) (param $g i32)
    (param $outW i32) (param $outM i32) (param $outV i32) (param $n i32)
    (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32)
    (param $omb1 f32) (param $omb2 f32) (param $eps f32) (param $nlr f32)
    (local $i i32) (local $end i32) (local $all i32)
    (local $B1 v128) (local $C1 v128) (local $B2 v128) (local $C2 v128)
    (local $OMB1 v128) (local $OMB2 v128) (local $EPS v128) (local $NLR v128)
    (local $gv v128) (local $mv v128) (local $vv v128)
    (local $gs f32) (local $ms f32) (local $vs f32)
    (local $TINY v128) (local $GTINY v128) (local $x v128)
    (local.set $B1 (f32x4.splat (local.get $b1)))
    (local.set $C1 (f32x4.splat (local.get $c1)))
    (local.set $B2 (f32x4.splat (local.get $b2)))
    (local.set $C2 (f32x4.splat (local.get $c2)))
    (local.set $OMB1 (f32x4.splat (local.get $omb1)))
    (local.set $OMB2 (f32x4.splat (local.get $omb2)))
    (local.set $EPS (f32x4.splat (local.get $eps)))
    (local.set $NLR (f32x4.splat (local.get $nlr)))
    (local.set $TINY (f32x4.splat (f32.const 0x1p-125)))
    (local.set $GTINY (f32x4.splat (f32.const 0x1p-58)))
    ;; Byte offsets: $end ends the SIMD part, $all the whole tensor.
    (local.set $all (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $i (i32.const 0))
    (block $simdDone
      (loop $simd
        (br_if $simdDone (i32.ge_u (local.get $i) (local.get $end)))
        ;; x with the lanes whose magnitude is below the limit zeroed (NaN compares false and stays).
        (local.set $x (v128.load (i32.add (local.get $g) (local.get $i))))
        (local.set $gv (v128.andnot (local.get $x) (f32x4.lt (f32x4.abs (local.get $x)) (local.get $GTINY))))
        (local.set $x (v128.load (i32.add (local.get $m) (local.get $i))))
        (local.set $mv
          (f32x4.add
            (f32x4.mul (v128.andnot (local.get $x) (f32x4.lt (f32x4.abs (local.get $x)) (local.get $TINY))) (local.get $B1))
            (f32x4.mul (local.get $gv) (local.get $C1))))
        (local.set $x (v128.load (i32.add (local.get $v) (local.get $i))))
        (local.set $vv
          (f32x4.add
            (f32x4.mul (v128.andnot (local.get $x) (f32x4.lt (f32x4.abs (local.get $x)) (local.get $TINY))) (local.get $B2))
            (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (local.get $C2))))
        (v128.store (i32.add (local.get $outM) (local.get $i)) (local.get $mv))
        (v128.store (i32.add (local.get $outV) (local.get $i)) (local.get $vv))
        (v128.store (i32.add (local.get $outW) (local.get $i))
          (f32x4.add
            (f32x4.mul
              (f32x4.div
                (f32x4.div (local.get $mv) (local.get $OMB1))
                (f32x4.add (f32x4.sqrt (f32x4.div (local.get $vv) (local.get $OMB2))) (local.get $EPS)))
              (local.get $NLR))
            (v128.load (i32.add (local.get $w) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $simd)))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $i) (local.get $all)))
        (local.set $gs (call $flush (f32.load (i32.add (local.get $g) (local.get $i))) (f32.const 0x1p-58)))
        (local.set $ms
          (f32.add
            (f32.mul (call $flush (f32.load (i32.add (local.get $m) (local.get $i))) (f32.const 0x1p-125)) (local.get $b1))
            (f32.mul (local.get $gs) (local.get $c1))))
        (local.set $vs
          (f32.add
            (f32.mul (call $flush (f32.load (i32.add (local.get $v) (local.get $i))) (f32.const 0x1p-125)) (local.get $b2))
            (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $c2))))
        (f32.store (i32.add (local.get $outM) (local.get $i)) (local.get $ms))
        (f32.store (i32.add (local.get $outV) (local.get $i)) (local.get $vs))
        (f32.store (i32.add (local.get $outW) (local.get $i))
          (f32.add
            (f32.mul
              (f32.div
                (f32.div (local.get $ms) (local.get $omb1))
                (f32.add (f32.sqrt (f32.div (local.get $vs) (local.get $omb2))) (local.get $eps)))
              (local.get $nlr))
            (f32.load (i32.add (local.get $w) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail)))))
