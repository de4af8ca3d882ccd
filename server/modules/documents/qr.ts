/**
 * QR codes drawn as vector squares: sharp at any zoom or print size, a few hundred bytes, and no image decoder on
 * the reader's side. The symbol comes from the `qrcode` package (ISO/IEC 18004 encoder).
 */
import QRCode from 'qrcode';

export interface QrMatrix {
  /** Modules per side, without the quiet zone. */
  size: number;
  isDark(row: number, col: number): boolean;
}

/** Error correction M (15% recoverable): enough for a printed, folded page, and a verification URL stays small. */
export function qrMatrix(payload: string): QrMatrix {
  const { modules } = QRCode.create(payload, { errorCorrectionLevel: 'M' });
  return { size: modules.size, isDark: (row, col) => Boolean(modules.get(row, col)) };
}

/**
 * The dark modules as horizontal runs `[row, col, length]`, so a symbol is drawn with one rectangle per run rather
 * than per module.
 */
export function qrRuns(matrix: QrMatrix): Array<[number, number, number]> {
  const runs: Array<[number, number, number]> = [];
  for (let row = 0; row < matrix.size; row++) {
    let col = 0;
    while (col < matrix.size) {
      if (!matrix.isDark(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < matrix.size && matrix.isDark(row, col)) col++;
      runs.push([row, start, col - start]);
    }
  }
  return runs;
}
