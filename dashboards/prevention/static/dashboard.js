/* Draws each chart from the JSON beside it. Without JavaScript the tables are the content. */
(function () {
  "use strict";
  function draw() {
    if (!window.Plotly) { return; }
    var canvases = document.querySelectorAll("[data-figure]");
    Array.prototype.forEach.call(canvases, function (canvas) {
      var source = document.getElementById(canvas.getAttribute("data-figure"));
      if (!source) { return; }
      var figure = JSON.parse(source.textContent);
      canvas.hidden = false;
      window.Plotly.newPlot(canvas, figure.data, figure.layout,
                            {displayModeBar: false, responsive: true});
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
