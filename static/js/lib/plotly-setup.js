// Every chart in the page's language: loaded after plotly.js and its zh-CN locale on every page that draws
// charts (templates/includes/plotly.html), so no page can forget it.
// In Chinese: Plotly's own words (mode bar, hover) from the zh-CN locale, and dates on time axes as Chinese
// readers write them ("12月6日", "2026年12月"), where Plotly's defaults would print "Dec 6, 2026" whatever the
// locale. An axis that sets its own tickformat keeps it (the wall's "%H:%M").
(function () {
  const Plotly = window.Plotly;
  if (!Plotly || !(document.documentElement.lang || "").toLowerCase().startsWith("zh")) return;
  Plotly.setPlotConfig({ locale: "zh-CN" });

  const HOUR = 3600000;
  const DAY = 24 * HOUR;
  // Plotly picks the stop whose range holds the axis's tick spacing (ms, or "M<n>" for months).
  const CHINESE_DATE_TICKS = [
    { dtickrange: [null, 1000], value: "%H:%M:%S.%L" },
    { dtickrange: [1000, 60000], value: "%H:%M:%S" },
    { dtickrange: [60000, DAY], value: "%H:%M<br>%-m月%-d日" },
    { dtickrange: [DAY, "M1"], value: "%-m月%-d日" },
    { dtickrange: ["M1", "M12"], value: "%Y年%-m月" },
    { dtickrange: ["M12", null], value: "%Y年" },
  ];
  const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;

  const isTime = (value) => value instanceof Date || (typeof value === "string" && ISO_DATE.test(value));

  // The x axes ("xaxis", "xaxis2", …) whose traces plot dates, or that say they are date axes.
  function timeAxes(data, layout) {
    const axes = new Set();
    for (const trace of data || []) {
      const xs = trace && trace.x;
      if (xs && xs.length && isTime(xs[0])) axes.add(`xaxis${(trace.xaxis || "x").slice(1)}`);
    }
    for (const [key, axis] of Object.entries(layout || {})) {
      if (/^xaxis\d*$/.test(key) && axis && axis.type === "date") axes.add(key);
    }
    return axes;
  }

  function chineseDates(data, layout) {
    if (!layout || typeof layout !== "object") return layout;
    for (const key of timeAxes(data, layout)) {
      const axis = (layout[key] = layout[key] || {});
      if (!axis.tickformat && !axis.tickformatstops) axis.tickformatstops = CHINESE_DATE_TICKS;
      if (!axis.hoverformat) axis.hoverformat = "%Y年%-m月%-d日 %H:%M";
    }
    return layout;
  }

  for (const name of ["newPlot", "react"]) {
    const original = Plotly[name];
    Plotly[name] = function (target, data, layout, config) {
      if (data && !Array.isArray(data) && typeof data === "object") {
        chineseDates(data.data, data.layout); // the (target, figure) form
      } else {
        chineseDates(data, layout);
      }
      return original.call(this, target, data, layout, config);
    };
  }
})();
