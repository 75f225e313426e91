//! Rendering of located errors: the offending line with a caret under the column.

/// Renders `message` for the byte range `span` of `source`:
///
/// ```text
/// error: expected a value, found '}'
///   | is(aws_cloud_trail) and name = }
///   |                                ^
/// ```
///
/// Columns count characters, so the caret lines up under non-ASCII text; tabs are kept so the
/// caret line aligns in a terminal.
pub fn render(source: &str, span: std::ops::Range<usize>, message: &str) -> String {
    let start = floor_char_boundary(source, span.start.min(source.len()));
    let end = floor_char_boundary(source, span.end.clamp(start, source.len()));
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[start..]
        .find('\n')
        .map_or(source.len(), |i| start + i);
    let line = &source[line_start..line_end];
    let line_no = source[..line_start].matches('\n').count() + 1;
    let pad: String = source[line_start..start]
        .chars()
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let width = source[start..end.min(line_end).max(start)]
        .chars()
        .count()
        .max(1);
    let location = if source.contains('\n') {
        format!(" (line {line_no})")
    } else {
        String::new()
    };
    format!(
        "error: {message}{location}\n  | {line}\n  | {pad}{}",
        "^".repeat(width)
    )
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
    fn caret_under_the_column() {
        let text = render("is(a) and name = }", 17..18, "expected a value, found '}'");
        assert_eq!(
            text,
            "error: expected a value, found '}'\n  | is(a) and name = }\n  |                  ^"
        );
    }

    #[test]
    fn multi_line_source_points_into_the_right_line() {
        let text = render("{ $.a = 1 &&\n  $.b = }", 21..22, "expected a value");
        assert!(text.contains("(line 2)"), "{text}");
        assert!(text.ends_with("  |   $.b = }\n  |         ^"), "{text}");
    }

    #[test]
    fn out_of_range_and_non_ascii_do_not_panic() {
        let _ = render("é", 1..1, "x");
        let text = render("név = ]", 99..120, "x");
        assert!(text.ends_with('^'));
    }
}
