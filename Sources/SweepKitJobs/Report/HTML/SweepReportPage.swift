import SweepKit

/// The sweep report: one self-contained HTML file (its data, style and script inside; nothing is
/// fetched when it is viewed). `sweepkit job report` and `sk_job_report` (Python's
/// `jobs.report`) write it. Sections: summary, optimisation history (by trial and by time),
/// parallel coordinates with brushing, parameter importance, slice plots, learning curves with
/// the policy's stops, the trial table, the spec as run.
public enum SweepReportPage {
    /// The page for `report`, as of `now` (epoch ms).
    public static func html(_ report: JobReport, now: Int64 = Clock.epochMilliseconds()) -> String {
        let data = ReportData.json(report, now: now)
        let name = report.spec?.name ?? "sweep"
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="sweepkit \(SweepKitVersion.string)">
            <title>\(escaped(name)) · sweep report</title>
            <style>
            """
        page += ReportStyle.css
        page += """
            </style>
            </head>
            <body>
            <header id="top"><h1>Sweep <span id="job-name">\(escaped(name))</span></h1><div id="job-status"></div></header>
            <nav><a href="#summary">Summary</a><a href="#history">History</a><a href="#parallel">Parallel coordinates</a><a href="#importance">Importance</a><a href="#slices">Slices</a><a href="#curves">Learning curves</a><a href="#trials">Trials</a><a href="#spec">Spec</a></nav>
            <main>
            <section id="summary"><h2>Summary</h2><div class="body"></div></section>
            <section id="history"><h2>Optimisation history</h2><div class="body"></div></section>
            <section id="parallel"><h2>Parallel coordinates</h2><div class="body"></div></section>
            <section id="importance"><h2>Parameter importance</h2><div class="body"></div></section>
            <section id="slices"><h2>Slices</h2><div class="body"></div></section>
            <section id="curves"><h2>Learning curves</h2><div class="body"></div></section>
            <section id="trials"><h2>Trials</h2><div class="body"></div></section>
            <section id="spec"><h2>Spec as run</h2><div class="body"></div></section>
            </main>
            <noscript><p class="note">This report draws its charts with JavaScript; enable it to see them.</p></noscript>
            <script type="application/json" id="sweep-data">
            """
        page += scriptSafe(data.jsonText)
        page += "</script>\n<script>\n"
        page += ReportScript.base + ReportScript.charts + ReportScript.sections + ReportScript.table + ReportScript.main
        page += "</script>\n</body>\n</html>\n"
        return page
    }

    /// Writes the page to `path` (atomically) and returns its size in bytes.
    @discardableResult
    public static func write(_ report: JobReport, to path: String, now: Int64 = Clock.epochMilliseconds()) throws(SweepKitError) -> Int {
        let page = html(report, now: now)
        try FileSystem.writeAtomically(path, page)
        return page.utf8.count
    }

    /// Where `job report` writes when no path is given: `<job folder>/report.html`.
    public static func defaultPath(_ paths: JobPaths) -> String { "\(paths.directory)/report.html" }

    static func escaped(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }

    /// JSON inside a script element: `<` is written `\u003c`, so no `</script>` or `<!--` can
    /// end or change the element (it only ever occurs inside strings).
    static func scriptSafe(_ json: String) -> String {
        let bytes = Array(json.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 64)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "<") {
                out += Array("\\u003c".utf8)
                i += 1
            } else if bytes[i] == 0xE2, i + 2 < bytes.count, bytes[i + 1] == 0x80, bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9 {
                // U+2028 and U+2029 end a line in older JavaScript.
                out += Array((bytes[i + 2] == 0xA8 ? "\\u2028" : "\\u2029").utf8)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
