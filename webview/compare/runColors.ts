// One colour and one point shape per run, the same in the curves' legend and the table's column heads. The colours
// are the theme's chart colours that every built-in theme defines (see dashboard.css); the shape tells runs apart
// past the fifth colour, and for people who do not tell the colours apart.
import { SERIES, type SeriesColor } from '../charts';

const COLORS: SeriesColor[] = ['blue', 'yellow', 'purple', 'green', 'red'];
const SHAPES = ['circle', 'triangle', 'rect', 'rectRot', 'star', 'crossRot'] as const;

export const runColor = (i: number): SeriesColor => COLORS[i % COLORS.length];
export const runShape = (i: number): (typeof SHAPES)[number] => SHAPES[Math.floor(i / COLORS.length) % SHAPES.length];
/** The colour as CSS, following the theme without a restyle. */
export const runColorCss = (i: number): string => `var(${SERIES[runColor(i)][0]}, ${SERIES[runColor(i)][1]})`;
