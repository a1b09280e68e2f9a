// The live training curve (d3 scales and axes in an SVG, like line-chart.tsx): training loss per
// step, smoothed, and the held-out loss per epoch on the left axis; held-out agreement with the
// unpruned model per epoch on the right axis; the kept (best) epoch marked. Sized for projectors:
// large type, thick lines, a legend in words.
import * as d3 from 'd3';
import { useEffect, useMemo, useRef } from 'react';
import { curveSeries, type TrainingCurve } from './training-curve';
import { useWidth } from './use-width';

const COLOURS = { train: '#1d5fd6', trainRaw: '#9dbcf0', heldOut: '#c2410c', agreement: '#15803d', best: '#7c3aed' };
/** Margins follow the type size: tight in the side panel (about 300 px wide), roomy when enlarged. */
const margins = (font: number) => ({ top: 2 * font, right: 4.2 * font, bottom: 3.4 * font, left: 3.6 * font });

/** The chart of one training run; redraws as events arrive. */
export function TrainingChart({ curve, height = 320, testId = 'training-chart', fontSize: FONT = 15 }: { curve: TrainingCurve; height?: number; testId?: string; fontSize?: number }) {
  const MARGIN = margins(FONT);
  const boxRef = useRef<HTMLDivElement>(null);
  const xAxisRef = useRef<SVGGElement>(null);
  const lossAxisRef = useRef<SVGGElement>(null);
  const agreementAxisRef = useRef<SVGGElement>(null);
  const width = useWidth(boxRef);
  const innerW = Math.max(10, width - MARGIN.left - MARGIN.right);
  const innerH = height - MARGIN.top - MARGIN.bottom;
  const series = useMemo(() => curveSeries(curve), [curve]);
  const raw = useMemo(() => curve.steps.map((loss, i): [number, number] => [series.trainLoss[i]?.[0] ?? 0, loss]), [curve.steps, series]);

  const { x, loss, agreement } = useMemo(() => {
    const losses = [...raw, ...series.heldOutLoss].map((p) => p[1]);
    const agreements = series.agreement.map((p) => p[1]);
    const lowest = Math.min(1, ...agreements);
    return {
      x: d3.scaleLinear().domain([0, Math.max(1, curve.epochs)]).range([0, innerW]),
      loss: d3.scaleLinear().domain([0, Math.max(1e-6, d3.max(losses) ?? 1)]).nice().range([innerH, 0]),
      // Agreement moves within a few points: the axis starts a little under its lowest value.
      agreement: d3.scaleLinear().domain([Math.max(0, Math.floor(lowest * 20 - 1) / 20), 1]).range([innerH, 0]),
    };
  }, [raw, series, curve.epochs, innerW, innerH]);

  useEffect(() => {
    const style = (g: d3.Selection<SVGGElement, unknown, null, undefined>) => g.selectAll('text').attr('font-size', FONT - 1);
    if (xAxisRef.current) d3.select(xAxisRef.current).call(d3.axisBottom(x).ticks(Math.min(curve.epochs, Math.max(2, Math.floor(innerW / 60)))).tickFormat(d3.format('d'))).call(style);
    if (lossAxisRef.current) d3.select(lossAxisRef.current).call(d3.axisLeft(loss).ticks(5, '.2~f')).call(style);
    if (agreementAxisRef.current) d3.select(agreementAxisRef.current).call(d3.axisRight(agreement).ticks(5).tickFormat(d3.format('.0%'))).call(style);
  }, [x, loss, agreement, innerW, curve.epochs, FONT]);

  const line = (y: d3.ScaleLinear<number, number>) => d3.line<[number, number]>().x((p) => x(p[0])).y((p) => y(p[1]));
  const best = series.best;
  const bestLabel = best ? `kept: epoch ${best.epoch}${best.epoch === 0 ? ' (the start)' : ''}` : undefined;
  return (
    <figure className="training-chart" ref={boxRef} data-testid={testId} data-steps={curve.steps.length}
      data-epochs={series.heldOutLoss.length} data-best={best?.epoch ?? ''} style={{ margin: 0, width: '100%' }}>
      <figcaption className="training-legend" style={{ display: 'flex', flexWrap: 'wrap', gap: '0.4em 1.2em', fontSize: FONT + 1 }}>
        <span><Swatch colour={COLOURS.train} /> training loss (smoothed)</span>
        <span><Swatch colour={COLOURS.heldOut} dot /> held-out loss</span>
        <span><Swatch colour={COLOURS.agreement} dot dashed /> held-out agreement (right axis)</span>
        <span style={{ color: COLOURS.best }}><Swatch colour={COLOURS.best} dashed /> kept epoch</span>
      </figcaption>
      <svg width={Math.max(width, 1)} height={height} role="img"
        aria-label={`Training curve: ${curve.steps.length} steps, ${series.heldOutLoss.length} held-out checks${bestLabel ? `, ${bestLabel}` : ''}`}>
        <g transform={`translate(${MARGIN.left},${MARGIN.top})`}>
          <g ref={xAxisRef} transform={`translate(0,${innerH})`} />
          <g ref={lossAxisRef} />
          <g ref={agreementAxisRef} transform={`translate(${innerW},0)`} />
          <text x={innerW / 2} y={innerH + MARGIN.bottom - FONT * 0.6} textAnchor="middle" fontSize={FONT} fill="currentColor">epoch</text>
          <text transform={`translate(${-MARGIN.left + FONT},${innerH / 2}) rotate(-90)`} textAnchor="middle" fontSize={FONT} fill="currentColor">distillation loss</text>
          <text transform={`translate(${innerW + MARGIN.right - FONT * 0.8},${innerH / 2}) rotate(90)`} textAnchor="middle" fontSize={FONT} fill={COLOURS.agreement}>agreement</text>
          {best && (
            <g data-testid="best-epoch" data-epoch={best.epoch}>
              <line x1={x(best.epoch)} x2={x(best.epoch)} y1={0} y2={innerH} stroke={COLOURS.best} strokeWidth={2} strokeDasharray="6 4" />
              <text x={x(best.epoch)} y={-FONT * 0.6} textAnchor={best.epoch > curve.epochs / 2 ? 'end' : 'start'} fontSize={FONT} fontWeight={600} fill={COLOURS.best}>{bestLabel}</text>
            </g>
          )}
          <path d={line(loss)(raw) ?? ''} fill="none" stroke={COLOURS.trainRaw} strokeWidth={1.5} />
          <path data-testid="train-loss" d={line(loss)(series.trainLoss) ?? ''} fill="none" stroke={COLOURS.train} strokeWidth={3} />
          <path d={line(loss)(series.heldOutLoss) ?? ''} fill="none" stroke={COLOURS.heldOut} strokeWidth={3} />
          <path d={line(agreement)(series.agreement) ?? ''} fill="none" stroke={COLOURS.agreement} strokeWidth={3} strokeDasharray="8 5" />
          {series.heldOutLoss.map(([e, v], i) => (
            <circle key={`l${e}`} data-testid="held-out-point" data-epoch={e} cx={x(e)} cy={loss(v)} r={e === best?.epoch ? 8 : 5.5}
              fill={e === best?.epoch ? COLOURS.best : COLOURS.heldOut} stroke="white" strokeWidth={1.5}>
              <title>{`epoch ${e}: held-out loss ${v.toFixed(4)}, ${series.seconds[i]!.toFixed(1)} s into training`}</title>
            </circle>
          ))}
          {series.agreement.map(([e, v]) => (
            <rect key={`a${e}`} data-testid="agreement-point" data-epoch={e} x={x(e) - 5} y={agreement(v) - 5} width={10} height={10}
              fill={COLOURS.agreement} stroke="white" strokeWidth={1.5}>
              <title>{`epoch ${e}: held-out agreement ${(v * 100).toFixed(1)} %`}</title>
            </rect>
          ))}
        </g>
      </svg>
    </figure>
  );
}

function Swatch({ colour, dot, dashed }: { colour: string; dot?: boolean; dashed?: boolean }) {
  return (
    <svg width={30} height={14} aria-hidden style={{ verticalAlign: 'middle' }}>
      <line x1={1} x2={29} y1={7} y2={7} stroke={colour} strokeWidth={3} strokeDasharray={dashed ? '6 4' : undefined} />
      {dot && <circle cx={15} cy={7} r={4.5} fill={colour} />}
    </svg>
  );
}
