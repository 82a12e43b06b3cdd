// Many distinct photo-like JPEGs, quickly: each 500×375 image is a 2×2 mosaic of quarter-size tiles cut from the
// shared Dogs vs Cats photos (seeded choice and mirroring per tile). Real photo content keeps JPEG sizes and decode
// cost realistic; with 1,400 sources, two mosaics share at most a tile or two, so their difference hashes stay far
// apart and prepare neither drops them as duplicates nor lists millions of near-duplicate pairs.
// Only encoding runs per image: the tiles are decoded once.
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { mulberry32 } from '../../src/core/seededRandom';

const [W, H] = [500, 375];
const [TW, TH] = [W / 2, Math.ceil(H / 2)];

async function loadTiles(sources: string[]): Promise<Buffer[]> {
  const tiles: Buffer[] = [];
  for (let i = 0; i < sources.length; i += 8) {
    tiles.push(...(await Promise.all(sources.slice(i, i + 8).map((f) =>
      sharp(f).resize(TW, TH, { fit: 'cover' }).removeAlpha().raw().toBuffer()))));
  }
  return tiles;
}

function mosaic(tiles: Buffer[], seed: number): Buffer {
  const random = mulberry32(seed);
  const out = Buffer.alloc(W * H * 3);
  for (let q = 0; q < 4; q++) {
    const tile = tiles[Math.floor(random() * tiles.length)];
    const mirror = random() < 0.5;
    const [x0, y0] = [(q % 2) * TW, (q >> 1) * TH];
    for (let y = 0; y < Math.min(TH, H - y0); y++) {
      const row = (y0 + y) * W * 3;
      if (!mirror) tile.copy(out, row + x0 * 3, y * TW * 3, (y + 1) * TW * 3);
      else {
        // Byte by byte: a Buffer.copy per pixel made generation ~3× slower.
        for (let x = 0; x < TW; x++) {
          const [o, i] = [row + (x0 + x) * 3, (y * TW + TW - 1 - x) * 3];
          out[o] = tile[i];
          out[o + 1] = tile[i + 1];
          out[o + 2] = tile[i + 2];
        }
      }
    }
  }
  return out;
}

/** Writes `count` Kaggle-style train/cat.N.jpg / train/dog.N.jpg mosaics under `dir`; returns total bytes. */
export async function writeMosaics(dir: string, count: number, sources: string[], concurrency = 4): Promise<number> {
  const tiles = await loadTiles(sources);
  fs.mkdirSync(path.join(dir, 'train'), { recursive: true });
  let next = 0;
  let bytes = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const jpeg = await sharp(mosaic(tiles, i + 1), { raw: { width: W, height: H, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
      bytes += jpeg.length;
      await fs.promises.writeFile(path.join(dir, 'train', `${i % 2 ? 'dog' : 'cat'}.${i >> 1}.jpg`), jpeg);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return bytes;
}
