// Draws the report's charts with Chart.js from the data in #parlab-charts, then writes what it
// drew into #parlab-chart-summary: per chart the number of points of each dataset on the
// canvas, and any script error. Tests read that summary back (tests/report/browser/).
(function () {
  'use strict';
  const summary = {charts: [], errors: [], done: false};
  const out = document.getElementById('parlab-chart-summary');
  const publish = () => { out.textContent = JSON.stringify(summary); };
  window.addEventListener('error', (e) => { summary.errors.push(String(e.message)); publish(); });

  const palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd',
                   '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];
  const colorOf = (i) => (i < 0 ? '#444444' : palette[i % palette.length]);

  // Vertical whiskers from point.low to point.high on datasets that carry intervals.
  const errorBars = {
    id: 'parlabErrorBars',
    afterDatasetsDraw(chart) {
      const ctx = chart.ctx;
      const y = chart.scales.y;
      chart.data.datasets.forEach((ds, i) => {
        const meta = chart.getDatasetMeta(i);
        if (!ds.parlabBars || !chart.isDatasetVisible(i)) return;
        ctx.save();
        ctx.strokeStyle = ds.borderColor;
        ctx.lineWidth = 1.5;
        ds.data.forEach((p, j) => {
          const el = meta.data[j];
          if (!el || p.low == null || p.high == null) return;
          const top = y.getPixelForValue(p.high);
          const bottom = y.getPixelForValue(p.low);
          ctx.beginPath();
          ctx.moveTo(el.x, top); ctx.lineTo(el.x, bottom);
          ctx.moveTo(el.x - 4, top); ctx.lineTo(el.x + 4, top);
          ctx.moveTo(el.x - 4, bottom); ctx.lineTo(el.x + 4, bottom);
          ctx.stroke();
        });
        ctx.restore();
      });
    },
  };

  function dataset(d) {
    const color = colorOf(d.color);
    const base = {label: d.label, data: d.points, borderColor: color, backgroundColor: color,
                  parlabKind: d.kind, parlabBars: d.kind === 'median' || d.kind === 'ratio'};
    if (d.kind === 'reps') {
      return Object.assign(base, {
        type: 'scatter', showLine: false, backgroundColor: color + '66',
        pointStyle: d.points.map((p) => (p.outlier ? 'crossRot' : 'circle')),
        pointRadius: d.points.map((p) => (p.outlier ? 6 : 2.5)),
        borderColor: d.points.map((p) => (p.outlier ? '#b00020' : color))});
    }
    if (d.kind === 'ideal' || d.kind === 'fit') {
      return Object.assign(base, {type: 'line', borderDash: d.kind === 'ideal' ? [6, 4] : [2, 3],
                                  pointRadius: 0, borderWidth: 1.5, fill: false});
    }
    if (d.kind === 'bar') return Object.assign(base, {type: 'bar', backgroundColor: color + '99'});
    return Object.assign(base, {type: 'line', fill: false, pointRadius: 3, tension: 0});
  }

  // The y range covers the whiskers too.
  function yBounds(spec) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const d of spec.datasets) {
      for (const p of d.points) {
        for (const v of [p.y, p.low, p.high]) {
          if (typeof v === 'number') { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        }
      }
    }
    return {lo, hi};
  }

  try {
    const specs = JSON.parse(document.getElementById('parlab-charts').textContent);
    for (const spec of specs) {
      const canvas = document.getElementById(spec.id);
      const bounds = yBounds(spec);
      const chart = new Chart(canvas, {
        type: 'line',
        data: {labels: spec.x.labels, datasets: spec.datasets.map(dataset)},
        options: {
          animation: false, responsive: true, maintainAspectRatio: false,
          scales: {
            x: {type: spec.x.type, title: {display: true, text: spec.x.title},
                ticks: spec.x.integer ? {precision: 0} : {}},
            y: {type: spec.y.type, title: {display: true, text: spec.y.title},
                suggestedMin: Math.min(0, bounds.lo), suggestedMax: bounds.hi},
          },
          plugins: {title: {display: true, text: spec.title},
                    legend: {position: 'bottom', labels: {boxWidth: 12}}},
        },
        plugins: [errorBars],
      });
      summary.charts.push({
        id: spec.id,
        datasets: chart.data.datasets.map((ds, i) => ({
          label: ds.label, kind: ds.parlabKind,
          // Points Chart.js placed on the canvas (finite coordinates), not the input's length.
          points: chart.getDatasetMeta(i).data.filter(
              (el) => Number.isFinite(el.x) && Number.isFinite(el.y)).length,
        })),
      });
    }
  } catch (e) {
    summary.errors.push(String(e && e.stack ? e.stack : e));
  }
  summary.done = true;
  // Milliseconds from navigation start to every chart drawn (bench/html_report_render.sh).
  summary.rendered_ms = performance.now();
  publish();
}());
