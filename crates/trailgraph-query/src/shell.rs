//! Splitting a shell command line into command lines (`;`) and commands (`|`).

use std::ops::Range;

/// Splits `line` at every `|` outside double or single quotes and backticks; returns the byte
/// ranges of the pieces (untrimmed).
pub fn split_pipeline(line: &str) -> Vec<Range<usize>> {
    split_outside_quotes(line, '|')
}

/// Splits `line` at every `;` outside quotes; returns the byte ranges of the command lines.
pub fn split_command_lines(line: &str) -> Vec<Range<usize>> {
    split_outside_quotes(line, ';')
}

fn split_outside_quotes(line: &str, separator: char) -> Vec<Range<usize>> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match quote {
            Some(_) if escaped => escaped = false,
            Some('"') if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' || c == '`' => quote = Some(c),
            None if c == separator => {
                pieces.push(start..i);
                start = i + c.len_utf8();
            }
            None => {}
        }
    }
    pieces.push(start..line.len());
    pieces
}

/// The comma-separated pieces of `text` (commas inside backticks do not split), blank ones left out.
pub(crate) fn split_commas(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_backticks = false;
    for (i, c) in text.char_indices() {
        match c {
            '`' => in_backticks = !in_backticks,
            ',' if !in_backticks => {
                out.push(start..i);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(start..text.len());
    out.into_iter()
        .filter(|r| !text[r.clone()].trim().is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_outside_quotes() {
        let line = r#"search name="a|b" | jq '.x | .y' | count"#;
        let pieces: Vec<&str> = split_pipeline(line).into_iter().map(|r| &line[r]).collect();
        assert_eq!(
            pieces,
            vec![r#"search name="a|b" "#, " jq '.x | .y' ", " count"]
        );
    }
}
