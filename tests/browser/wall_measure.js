// What is wrong with the wall's layout, measured in one call (the page's scripts cannot change it meanwhile):
// text under 22 px at 1080p (scaled), off screen or cut off by a box; boxes whose content runs out sideways; the
// title on two lines; the plots outside their panels; the colour bar outside the plot; region names off the map;
// half an alert card.
// tests/browser/test_wall_layout.py evaluates it with page.evaluate.
() => {
  const scale = Math.min(innerWidth / 1920, innerHeight / 1080);
  const problems = [];
  const shown = (el) => {
    if (el.closest('[hidden]')) return false;
    // A closed <details> lays its content out below its summary when asked for boxes, but nobody sees it.
    if (el.closest('details:not([open]) > :not(summary)')) return false;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return style.display !== 'none' && style.visibility !== 'hidden' && box.width > 0 && box.height > 0;
  };
  const label = (el) => el.tagName.toLowerCase() + (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\s+/).join('.') : '') + (el.dataset && el.dataset.role ? `[${el.dataset.role}]` : '');
  const inside = (r, b) => r.left >= b.left - 1 && r.right <= b.right + 1 && r.top >= b.top - 1 && r.bottom <= b.bottom + 1;
  const clips = (style) => [style.overflow, style.overflowX, style.overflowY].some((o) => o !== 'visible');
  // Every text a person reads: its size, on screen, not cut by a box that hides what overflows.
  let texts = 0;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const el = node.parentElement;
    if (!text || !el || el.closest('script, style, option, .hoverlayer, .maplibregl-ctrl')) continue;
    if (!shown(el)) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const style = getComputedStyle(el);
    const size = parseFloat(style.fontSize);
    // A glyph's content area may stand out of a tight line box (CJK fonts are tall): compare the line box.
    const lineHeight = parseFloat(style.lineHeight);
    const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0).map((r) => {
      const inset = Number.isNaN(lineHeight) ? 0 : Math.max(0, (r.height - lineHeight) / 2);
      return { left: r.left, right: r.right, top: r.top + inset, bottom: r.bottom - inset };
    });
    if (!rects.length) continue;
    texts += 1;
    if (size < 22 * scale - 0.5) problems.push(`font ${size.toFixed(1)} px under ${(22 * scale).toFixed(1)}: ${label(el)} "${text.slice(0, 40)}"`);
    for (const r of rects) {
      if (r.left < -1 || r.top < -1 || r.right > innerWidth + 1 || r.bottom > innerHeight + 1) problems.push(`off screen: ${label(el)} "${text.slice(0, 40)}"`);
    }
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (!clips(getComputedStyle(a))) continue;
      const box = a.getBoundingClientRect();
      if (rects.some((r) => !inside(r, box))) {
        problems.push(`cut off by ${label(a)}: ${label(el)} "${text.slice(0, 40)}"`);
        break;
      }
    }
  }
  // Every box holds its content's width (no text runs out sideways; what runs out downwards is cut by a
  // clipping box above, found by the text check).
  for (const el of document.querySelectorAll('.wall-titlebar, .wall-titlebar *, .wall-main, .wall-main *')) {
    if (!(el instanceof HTMLElement) || el.closest('.js-plotly-plot') || !shown(el)) continue;
    if (getComputedStyle(el).display === 'inline') continue;
    if (el.scrollWidth > el.clientWidth + 1) {
      problems.push(`overflows: ${label(el)} ${el.scrollWidth} px wide in ${el.clientWidth}`);
    }
  }
  // The title keeps one line.
  const title = document.querySelector('.wall-title');
  if (title.getBoundingClientRect().height > 1.6 * parseFloat(getComputedStyle(title).fontSize)) problems.push('the title wraps');
  // The map and the trend inside their panels, the colour bar inside the plot and beside the map.
  const cell = document.querySelector('[data-role="map-cell"]').getBoundingClientRect();
  const plot = document.querySelector('#wall-map .main-svg');
  const canvas = document.querySelector('#wall-map .maplibregl-canvas');
  const bar = document.querySelector('#wall-map .colorbar');
  if (!plot || !canvas || !bar) problems.push('the map, its canvas or its colour bar is missing');
  else {
    const plotBox = plot.getBoundingClientRect();
    if (!inside(plotBox, cell)) problems.push(`plot ${JSON.stringify(plotBox)} outside its panel ${JSON.stringify(cell)}`);
    if (!inside(canvas.getBoundingClientRect(), cell)) problems.push('map canvas outside its panel');
    if (plotBox.width < cell.width - 4 || plotBox.height < cell.height - 4) problems.push('the plot does not fill its panel');
    const barBox = bar.getBoundingClientRect();
    if (!inside(barBox, plotBox)) problems.push(`colour bar ${JSON.stringify(barBox)} outside the plot`);
    if (barBox.left < canvas.getBoundingClientRect().right - 1) problems.push('the colour bar covers the map');
    if (bar.querySelectorAll('.cbfill, .cbfills rect, .cbfills path').length === 0) problems.push('the colour bar has no fill');
    // The whole city on the map: its box's corners inside the map's canvas, left of the colour bar (a wider bar,
    // English band words, leaves the map less room and the edge districts were cut off).
    const config = JSON.parse(document.getElementById('wall-config').textContent);
    const map = document.getElementById('wall-map')._fullLayout.map._subplot.map;
    const canvasBox = canvas.getBoundingClientRect();
    const [west, south, east, north] = config.bbox || [];
    for (const corner of config.bbox ? [[west, south], [east, north]] : []) {
      const p = map.project(corner);
      const x = canvasBox.left + p.x;
      const y = canvasBox.top + p.y;
      if (x < cell.left - 1 || x > Math.min(cell.right, barBox.left) + 1 || y < cell.top - 1 || y > cell.bottom + 1) problems.push(`the city's corner ${corner} is off the map`);
    }
    // Every region name shown lies wholly on the map: inside its canvas, inside the panel, clear of the colour bar
    // (a district outside the city's box put its name over the bar and past the panel's edge).
    const mapArea = { left: Math.max(canvasBox.left, cell.left), top: Math.max(canvasBox.top, cell.top),
      right: Math.min(canvasBox.right, cell.right, barBox.left), bottom: Math.min(canvasBox.bottom, cell.bottom) };
    for (const name of document.querySelectorAll('.map-label')) {
      if (shown(name) && !inside(name.getBoundingClientRect(), mapArea)) problems.push(`name off the map: "${name.textContent}"`);
    }
  }
  const trend = document.querySelector('#trend .main-svg');
  if (trend && shown(trend) && !inside(trend.getBoundingClientRect(), document.querySelector('.trend-panel').getBoundingClientRect())) problems.push('trend outside its panel');
  // Whole alert cards only.
  const feed = document.querySelector('#alert-feed').getBoundingClientRect();
  for (const card of document.querySelectorAll('#alert-feed > li')) {
    if (shown(card) && !inside(card.getBoundingClientRect(), feed)) problems.push(`half a card: ${card.textContent.trim().slice(0, 40)}`);
  }
  const names = [...document.querySelectorAll('.map-label')].filter(shown).map((e) => e.textContent);
  const legend = ['legend-warning', 'legend-critical', 'legend-nodata'].map((r) => document.querySelector(`[data-role="${r}"]`).textContent.trim());
  return {
    problems, texts, names, legend,
    state: document.querySelector('[data-role="connection"]').dataset.state,
    lang: document.documentElement.lang,
    mapHeight: cell.height,
    switchShown: Boolean(document.querySelector('#indicator-switch')) && shown(document.querySelector('#indicator-switch')),
    moreShown: shown(document.querySelector('[data-role="alert-more"]')),
    layerName: document.querySelector('[data-role="layer-name"]') ? document.querySelector('[data-role="layer-name"]').textContent.trim() : null,
  };
}
