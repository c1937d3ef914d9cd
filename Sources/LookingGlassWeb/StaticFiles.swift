/// The only script and style sheet, served as files (the Content-Security-Policy forbids inline ones).
enum StaticFiles {
    /// The live tail: adds a row per Server-Sent Event. Builds rows with textContent only, never HTML.
    static let liveJS = """
        "use strict";
        (function () {
          var status = document.getElementById("status");
          var body = document.querySelector("tbody");
          var source = new EventSource("/api/stream");
          source.onopen = function () { status.textContent = "Live: new transactions appear at the top."; };
          source.onerror = function () { status.textContent = "Disconnected; reconnecting…"; };
          source.onmessage = function (event) {
            var t;
            try { t = JSON.parse(event.data); } catch (e) { return; }
            var row = document.createElement("tr");
            row.className = "live-row";
            var cells = [t.timestamp_in, t.server_name, t.request_type || "-", t.response_type || "unanswered", t.client_duid || "-"];
            cells.forEach(function (value, index) {
              var cell = document.createElement("td");
              if (index === 0) {
                var link = document.createElement("a");
                link.href = "/transactions/" + encodeURIComponent(t.id);
                link.textContent = String(value);
                cell.appendChild(link);
              } else {
                cell.textContent = String(value);
              }
              row.appendChild(cell);
            });
            body.insertBefore(row, body.firstChild);
            while (body.rows.length > 500) { body.deleteRow(body.rows.length - 1); }
          };
        })();

        """

    /// A small style sheet.
    static let css = """
        body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
        nav a { margin-right: 1em; }
        table { border-collapse: collapse; margin: 1em 0; }
        th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
        th { background: #f4f4f4; }
        pre { background: #f8f8f8; padding: 1em; overflow: auto; }
        svg.spark { color: #2a6ebb; }
        form label { margin-right: 0.8em; display: inline-block; }
        svg.timeline { border: 1px solid #ddd; background: #fcfcfc; }
        svg.timeline line.lane { stroke: #ccc; }
        svg.timeline text { font-size: 11px; fill: #444; }
        svg.timeline text.end { text-anchor: end; }
        svg.timeline circle.answered { fill: #2a6ebb; }
        svg.timeline circle.unanswered { fill: #fff; stroke: #c0392b; stroke-width: 2; }
        dl.facts { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
        dl.facts dt { font-weight: bold; }
        section.level { border-left: 3px solid #ddd; padding-left: 0.8em; margin-left: 0.4em; }
        ul.options span.field { margin-right: 0.8em; }

        """
}
