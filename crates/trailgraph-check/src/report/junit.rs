//! JUnit XML for CI systems: a test suite per section, a test case per (control, account);
//! failed → `<failure>`, not evaluable → `<skipped>`.

use std::io::{self, Write};

use trailgraph_query::graph_output::escape_xml as xml;

use crate::run::{Report, Status};

pub(super) fn write(report: &Report, out: &mut impl Write) -> io::Result<()> {
    let s = report.summary;
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="{}" tests="{}" failures="{}" skipped="{}" timestamp="{}">"#,
        xml(&report.benchmark.id),
        s.passed + s.failed + s.not_evaluable,
        s.failed,
        s.not_evaluable,
        super::time(report.generated_at)
    )?;
    for section in &report.sections {
        let results: Vec<_> = section
            .controls
            .iter()
            .flat_map(|c| c.results.iter())
            .collect();
        let failures = results
            .iter()
            .filter(|r| r.status == Status::Failed)
            .count();
        let skipped = results
            .iter()
            .filter(|r| r.status == Status::NotEvaluable)
            .count();
        writeln!(
            out,
            r#"  <testsuite name="{} {}" tests="{}" failures="{failures}" skipped="{skipped}">"#,
            xml(&report.benchmark.id),
            xml(&section.title),
            results.len()
        )?;
        for r in results {
            let name = match &r.resource {
                Some(x) => format!("{} {} [{} {}]", r.control, r.check, r.account, x.name),
                None => format!("{} {} [{}]", r.control, r.check, r.account),
            };
            let open = format!(
                r#"    <testcase name="{}" classname="{}.{}""#,
                xml(&name),
                xml(&report.benchmark.id),
                xml(&r.check)
            );
            match r.status {
                Status::Passed => writeln!(out, "{open}/>")?,
                Status::Failed => {
                    writeln!(out, "{open}>")?;
                    let mut body = r.explanation.join("\n");
                    if !r.remediation.is_empty() {
                        body.push_str("\n\nRemediation:\n");
                        body.push_str(&r.remediation.join("\n"));
                    }
                    writeln!(
                        out,
                        r#"      <failure message="{}" type="{}">{}</failure>"#,
                        xml(&r.title),
                        r.severity.as_str(),
                        xml(&body)
                    )?;
                    writeln!(out, "    </testcase>")?;
                }
                Status::NotEvaluable => {
                    writeln!(out, "{open}>")?;
                    writeln!(out, r#"      <skipped message="{}"/>"#, xml(&r.reason))?;
                    writeln!(out, "    </testcase>")?;
                }
            }
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}
