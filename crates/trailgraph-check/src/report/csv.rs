//! CSV (RFC 4180) for spreadsheets: one row per (check, account), or per resource for checks
//! about other kinds (the `resource` column holds its id; empty for account-level results).

use std::io::{self, Write};

use crate::run::Report;

fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

pub(super) fn write(report: &Report, out: &mut impl Write) -> io::Result<()> {
    write!(
        out,
        "benchmark,control,check,title,severity,account,account_name,status,reason,resources,remediation,resource\r\n"
    )?;
    for r in report.results() {
        let resources: Vec<&str> = r.resources.iter().map(|x| x.id.as_str()).collect();
        let row = [
            report.benchmark.id.as_str(),
            &r.control,
            &r.check,
            &r.title,
            r.severity.as_str(),
            &r.account,
            &r.account_name,
            r.status.as_str(),
            &r.reason,
            &resources.join(" "),
            &r.remediation.join("\n"),
            r.resource.as_ref().map_or("", |x| x.id.as_str()),
        ];
        let fields: Vec<String> = row.iter().map(|f| field(f)).collect();
        write!(out, "{}\r\n", fields.join(","))?;
    }
    Ok(())
}
