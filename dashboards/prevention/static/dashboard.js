/* Draws each chart from the JSON beside it. Without JavaScript the tables are the content. */
(function () {
  "use strict";
  var NARROW = 560;
  var MAX_HEIGHT = 1000;
  var ROW = 34;
  /* On a phone a line's name at its end would squeeze the plot to a sliver: the legend under
     the chart names every line (with its own marker and dash), so the end labels go and the
     plot gets the width. */
  function narrow(figure) {
    /* A figure may say how its layout differs on a phone (layout.meta.narrow, written by
       dashboards/charts/figures.py, as the heat map's column headers): those parts replace
       its own. */
    var changes = (figure.layout.meta || {}).narrow || {};
    Object.keys(changes).forEach(function (key) { figure.layout[key] = changes[key]; });
    figure.data.forEach(function (trace) {
      if (trace.mode === "lines+markers+text") { trace.mode = "lines+markers"; }
    });
    var margin = figure.layout.margin || {};
    figure.layout.margin = {l: Math.min(margin.l || 70, 60), r: Math.min(margin.r || 20, 20),
                            t: margin.t, b: margin.b};
    /* A row of an interval chart gets its name and its number ("Pesten: 96", "Racisme: te
       onzeker") above its bar, across the whole width, instead of a name column beside it
       that would leave the bars no room; the legend goes on top, clear of the axis title.
       Rows stay one line of text and a bar apart, within the same height limit as on a
       laptop (MAX_HEIGHT in dashboards/charts/figures.py). */
    var yaxis = figure.layout.yaxis || {};
    var rows = yaxis.categoryarray;
    var horizontal = figure.data.some(function (trace) { return trace.orientation === "h"; });
    if (horizontal && rows && rows.length) {
      var said = {};
      figure.data.forEach(function (trace) {
        if (trace.orientation !== "h") { return; }
        (trace.y || []).forEach(function (row, i) {
          if (trace.text && trace.text[i]) { said[row] = trace.text[i]; }
        });
        trace.mode = "markers";
      });
      yaxis.showticklabels = false;
      yaxis.automargin = false;
      figure.layout.margin.l = 12;
      figure.layout.margin.t = 70;
      figure.layout.height = Math.min(MAX_HEIGHT, Math.max(figure.layout.height || 0,
                                                           110 + ROW * rows.length));
      figure.layout.legend = {orientation: "h", x: 0, yref: "container", y: 1, yanchor: "top"};
      figure.layout.annotations = (figure.layout.annotations || []).concat(
        rows.map(function (row) {
          return {xref: "paper", x: 0, xanchor: "left", yref: "y", y: row, yshift: 14,
                  text: said[row] ? row + ": " + said[row] : row, showarrow: false,
                  font: {size: 12, color: "#1a1a1a"}};
        }));
    }
  }
  /* Each chart is drawn at its box's width and its own height. Not plotly's "responsive"
     mode: on a resize (a phone turned, a window made smaller, a full-page capture) that drops
     the figure's height for the box's, and the box has none of its own, so every chart fell
     to its minimum height with the rest cut off. On a resize the charts are drawn again, at
     the new width, as narrow or wide as the new width calls for. */
  function plot(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-figure"));
    if (!source) { return; }
    var figure = JSON.parse(source.textContent);
    canvas.hidden = false;
    var width = canvas.clientWidth;
    if (width < NARROW) { narrow(figure); }
    figure.layout.width = width;
    figure.layout.autosize = false;
    canvas.setAttribute("data-width", String(width));
    window.Plotly.react(canvas, figure.data, figure.layout, {displayModeBar: false});
  }
  function canvases() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-figure]"));
  }
  function draw() {
    if (!window.Plotly) { return; }
    canvases().forEach(plot);
    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () {
        canvases().forEach(function (canvas) {
          if (canvas.getAttribute("data-width") !== String(canvas.clientWidth)) { plot(canvas); }
        });
      }, 150);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
