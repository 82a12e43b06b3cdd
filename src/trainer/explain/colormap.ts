// The heatmap's colours: matplotlib's viridis (van der Walt & Smith, CC0; matplotlib/_cm_listed.py), perceptually
// uniform and readable in grey and by colour-blind viewers. Nine stops at 0, 1/8, …, 1 of its 256-entry table,
// interpolated linearly: within a couple of levels of the full table, which is finer than a JPEG keeps.
const VIRIDIS_STOPS = [
  0x440154, 0x472d7b, 0x3b528b, 0x2c728e, 0x21918c, 0x28ae80, 0x5ec962, 0xaddc30, 0xfde725,
].map((c) => [(c >> 16) & 255, (c >> 8) & 255, c & 255]);

/** The 256-entry lookup table, r, g, b per entry. */
export const VIRIDIS: Uint8Array = (() => {
  const lut = new Uint8Array(256 * 3);
  const last = VIRIDIS_STOPS.length - 1;
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * last;
    const k = Math.min(Math.floor(t), last - 1), f = t - k;
    for (let ch = 0; ch < 3; ch++) {
      lut[i * 3 + ch] = Math.round(VIRIDIS_STOPS[k][ch] * (1 - f) + VIRIDIS_STOPS[k + 1][ch] * f);
    }
  }
  return lut;
})();

/** `rgb` with `heat` (0..1 per pixel) drawn over it in viridis at `opacity`; pixels without heat data stay as they are. */
export function blendHeat(rgb: Uint8Array, heat: Float32Array, opacity: number, seen?: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgb.length);
  for (let i = 0; i < heat.length; i++) {
    const a = seen && !seen[i] ? 0 : opacity;
    const k = Math.round(Math.min(Math.max(heat[i], 0), 1) * 255) * 3;
    for (let ch = 0; ch < 3; ch++) out[i * 3 + ch] = Math.round(rgb[i * 3 + ch] * (1 - a) + VIRIDIS[k + ch] * a);
  }
  return out;
}
