//! Turning a located error into a caret block for a terminal.

use std::ops::Range;

/// Renders `message` with the line of `source` that holds `span` and a caret under it:
///
/// ```text
/// error: expected a value, found '}'
///   | is(aws_cloud_trail) and name = }
///   |                                ^
/// ```
///
/// Columns count characters; tabs are kept in the caret line so it lines up. A span past the end
/// points just after the last character.
pub fn render_error(source: &str, span: Range<usize>, message: &str) -> String {
    let start = floor_char_boundary(source, span.start.min(source.len()));
    let end = floor_char_boundary(source, span.end.clamp(start, source.len()));
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[start..]
        .find('\n')
        .map_or(source.len(), |i| start + i);
    let line = &source[line_start..line_end];
    let mut caret = String::new();
    for c in source[line_start..start].chars() {
        caret.push(if c == '\t' { '\t' } else { ' ' });
    }
    let width = source[start..end.min(line_end)].chars().count().max(1);
    caret.push_str(&"^".repeat(width));
    let line_number = source[..line_start].matches('\n').count() + 1;
    let prefix = if source.contains('\n') {
        format!("line {line_number}: ")
    } else {
        String::new()
    };
    format!("error: {prefix}{message}\n  | {line}\n  | {caret}\n")
}

/// Like [`render_error`], with a second, labelled caret line for a related place (such as the
/// `(` that was never closed):
///
/// ```text
/// error: expected 'and' or 'or' or ')', found end of input
///   | (is(aws_account) and name == prod
///   |                                  ^
///   | - unclosed `(` opened here
/// ```
pub fn render_error_with_label(
    source: &str,
    span: Range<usize>,
    message: &str,
    label: Option<(Range<usize>, &str)>,
) -> String {
    let mut out = render_error(source, span, message);
    if let Some((label_span, text)) = label {
        let start = floor_char_boundary(source, label_span.start.min(source.len()));
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let mut caret = String::new();
        for c in source[line_start..start].chars() {
            caret.push(if c == '\t' { '\t' } else { ' ' });
        }
        out.push_str(&format!("  | {caret}- {text}\n"));
    }
    out
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_a_second_place() {
        let q = "(is(a) and b == 1";
        let out = render_error_with_label(q, 17..17, "m", Some((0..1, "unclosed `(` opened here")));
        assert!(out.ends_with("  | - unclosed `(` opened here\n"), "{out}");
    }

    #[test]
    fn points_at_the_column() {
        let q = "is(aws_cloud_trail) and name = }";
        let out = render_error(q, 31..32, "expected a value, found '}'");
        assert_eq!(
            out,
            "error: expected a value, found '}'\n  | is(aws_cloud_trail) and name = }\n  |                                ^\n"
        );
        let tabbed = "a\t= é }";
        let out = render_error(tabbed, 7..8, "x");
        assert!(out.ends_with("  |  \t    ^\n"), "{out:?}");
        assert!(render_error("", 5..9, "m").contains('^'));
    }
}
