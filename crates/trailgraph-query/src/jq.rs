//! The `jq` pipe command: a jq program (the `jaq` implementation) run on each element.
//!
//! As in Fix, `.name`-style paths in the program before its first top-level `|` read the
//! `reported` section (`.name` is `.reported.name`; `./id` stays absolute) unless
//! `--no-rewrite` is given. One result is emitted as that value, several as one array.
//!
//! The program runs with jq's standard library except what reaches outside the stream: `env`
//! and `$ENV` (the environment holds credentials) and `input`/`inputs` are not defined, and
//! `halt` is an error for that element, not the end of the process. A program that produces
//! more than [`MAX_OUTPUTS`] values for one element is stopped with an error.
//!
//! jq is a full language: a program can loop without producing anything (`last(range(1e12))`),
//! recurse until the stack overflows (`def f: 1 + f; f`, which aborts a process) or build values
//! without bound. A process that installs a [`Worker`] (the `trailgraph` binary does) runs every
//! jq stage in a child process that bounds each element's time and the memory, so such a program
//! ends with an error naming the bound instead of hanging or aborting the tool. Without one (this
//! library's own tests), programs run in the calling thread.

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars, data};
use jaq_json::Val;
use trailgraph_model::Value;

/// Most values one element may produce.
pub const MAX_OUTPUTS: usize = 100_000;

/// Library functions left out: `env` reads the environment. (`input` and `inputs` are a
/// separate part of the library that is not loaded.)
const LEFT_OUT: &[&str] = &["env"];

/// A compiled jq program.
pub struct JqProgram {
    filter: jaq_core::Filter<data::JustLut<Val>>,
    /// The program as run (after the rewrite), for messages.
    pub code: String,
}

impl std::fmt::Debug for JqProgram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JqProgram")
            .field("code", &self.code)
            .finish_non_exhaustive()
    }
}

/// A child process that runs jq stages: `program args...`, which must serve [`serve_worker`].
#[derive(Debug, Clone)]
pub struct Worker {
    /// The executable.
    pub program: std::path::PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// Its environment (it inherits none).
    pub env: Vec<(String, String)>,
    /// The most one element may take, in seconds (the worker stops itself after it).
    pub seconds: u64,
    /// The most memory the worker may use, in MiB (it says so when it runs out).
    pub memory_mib: u64,
}

static WORKER: std::sync::OnceLock<Worker> = std::sync::OnceLock::new();

/// Runs every later jq stage of this process in `worker` processes. Only the first call counts.
pub fn run_in_workers(worker: Worker) {
    let _ = WORKER.set(worker);
}

/// The longest line a worker may answer with (one element's results as JSON).
const MAX_ANSWER: usize = 64 * 1024 * 1024;
/// The most of a worker's stderr kept to explain how it ended.
const MAX_STDERR: u64 = 64 * 1024;
/// The exit code of a worker that stopped itself because one element took too long.
pub const WORKER_TIMED_OUT: i32 = 124;

impl JqProgram {
    /// Runs the program on `count` elements in turn, `input(i)` making element `i` when it is
    /// needed (they are not all held at once): the results of those that produce one (see
    /// [`JqProgram::run`]), in order. The first error ends the run. With a [`Worker`]
    /// installed, the run happens in a child process, bounded in time per element and in
    /// memory.
    pub fn run_all(
        &self,
        count: usize,
        input: impl Fn(usize) -> Value + Sync,
    ) -> Result<Vec<Value>, String> {
        match WORKER.get() {
            Some(worker) => self.run_in_worker(worker, count, input),
            None => {
                let mut out = Vec::new();
                for i in 0..count {
                    out.extend(self.run(&input(i))?);
                }
                Ok(out)
            }
        }
    }

    fn run_in_worker(
        &self,
        worker: &Worker,
        count: usize,
        input: impl Fn(usize) -> Value + Sync,
    ) -> Result<Vec<Value>, String> {
        use std::io::{BufRead, BufWriter, Read, Write};
        use std::process::{Command, Stdio};
        if count == 0 {
            return Ok(Vec::new());
        }
        let mut child = Command::new(&worker.program)
            .args(&worker.args)
            // The environment may hold credentials; the worker needs none of it.
            .env_clear()
            .envs(worker.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("jq: cannot start its worker process: {e}"))?;
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = child.kill();
            let _ = child.wait();
            return Err("jq: its worker process has no pipes".to_owned());
        };
        let (answers, received) = std::sync::mpsc::channel::<Result<Vec<u8>, String>>();
        let code = serde_json::Value::String(self.code.clone()).to_string();
        std::thread::scope(|scope| {
            // The program, then one element per line; a worker that ended stops the writes.
            let input = &input;
            scope.spawn(move || {
                let mut w = BufWriter::new(stdin);
                if writeln!(w, "{code}").is_err() {
                    return;
                }
                for i in 0..count {
                    if writeln!(w, "{}", input(i)).is_err() {
                        return;
                    }
                }
                let _ = w.flush();
            });
            scope.spawn(move || {
                let mut r = std::io::BufReader::new(stdout);
                loop {
                    let mut line = Vec::new();
                    let read = (&mut r)
                        .take(MAX_ANSWER as u64 + 1)
                        .read_until(b'\n', &mut line);
                    match read {
                        Ok(0) => return,
                        Ok(_) if line.len() > MAX_ANSWER => {
                            let _ = answers.send(Err(format!(
                                "jq produced more than {} MiB for one element",
                                MAX_ANSWER / 1024 / 1024
                            )));
                            return;
                        }
                        Ok(_) => {
                            if answers.send(Ok(line)).is_err() {
                                return;
                            }
                        }
                        Err(e) => {
                            let _ = answers.send(Err(format!("jq: reading its worker: {e}")));
                            return;
                        }
                    }
                }
            });
            let said = scope.spawn(move || {
                let mut text = Vec::new();
                let mut e = stderr;
                let _ = (&mut e).take(MAX_STDERR).read_to_end(&mut text);
                let _ = std::io::copy(&mut e, &mut std::io::sink());
                String::from_utf8_lossy(&text).into_owned()
            });
            // The worker stops itself after `seconds` on one element; this is the backstop.
            let patience = std::time::Duration::from_secs(worker.seconds.saturating_add(5));
            let next = || match received.recv_timeout(patience) {
                Ok(Ok(line)) => parse_answer(&line).map_err(Stopped::Said),
                Ok(Err(message)) => Err(Stopped::Said(message)),
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    Err(Stopped::Said(timed_out(worker.seconds)))
                }
                // The worker ended before answering for every element.
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err(Stopped::Ended),
            };
            // The first answer that is not a value ends the run.
            let results: Result<Vec<Value>, Stopped> =
                (0..count).filter_map(|_| next().transpose()).collect();
            if results.is_err() {
                let _ = child.kill();
            }
            let status = child.wait();
            let said = said.join().unwrap_or_default();
            results.map_err(|stopped| match stopped {
                Stopped::Said(message) => message,
                Stopped::Ended => ended(worker, status.ok(), &said),
            })
        })
    }

    /// Compiles `code` (rewritten unless `no_rewrite`); the error says what jq did not accept.
    pub fn compile(code: &str, no_rewrite: bool) -> Result<JqProgram, String> {
        let code = if no_rewrite {
            code.to_owned()
        } else {
            rewrite(code)
        };
        let filter = {
            let program = File {
                code: code.as_str(),
                path: (),
            };
            let defs = jaq_core::defs()
                .chain(jaq_std::defs())
                .chain(jaq_json::defs());
            let funs = jaq_core::funs()
                .chain(jaq_std::funs().filter(|f| !LEFT_OUT.contains(&f.0)))
                .chain(jaq_json::funs());
            let loader = Loader::new(defs);
            let arena = Arena::default();
            let modules = loader.load(&arena, program).map_err(|errors| {
                format!("jq cannot read `{code}`: {}", describe(&code, &errors))
            })?;
            Compiler::default()
                .with_funs(funs)
                .compile(modules)
                .map_err(|errors| {
                    let names: Vec<String> = errors
                        .iter()
                        .flat_map(|(_, list)| list.iter().map(|(name, _)| format!("`{name}`")))
                        .collect();
                    format!(
                        "jq cannot compile `{code}`: undefined {}",
                        if names.is_empty() {
                            "names".to_owned()
                        } else {
                            names.join(", ")
                        }
                    )
                })?
        };
        Ok(JqProgram { filter, code })
    }

    /// Runs the program on `input`: its one result, or an array of several (`null` for none
    /// is left out: `Ok(None)`).
    pub fn run(&self, input: &Value) -> Result<Option<Value>, String> {
        let results = self.outputs(input.to_string().as_bytes())?;
        Ok(packed(results.iter().map(Value::from).collect(), |all| {
            Value::Array(all.into())
        }))
    }

    /// The program's outputs for the element whose JSON text is `text`, each checked to be JSON.
    fn outputs(&self, text: &[u8]) -> Result<Vec<serde_json::Value>, String> {
        let input = jaq_json::read::parse_single(text)
            .map_err(|e| format!("jq cannot read the element: {e}"))?;
        let ctx = Ctx::<data::JustLut<Val>>::new(&self.filter.lut, Vars::new([]));
        let mut results = Vec::new();
        for (i, out) in self.filter.id.run((ctx, input)).enumerate() {
            if i >= MAX_OUTPUTS {
                return Err(format!(
                    "jq produced more than {MAX_OUTPUTS} values for one element"
                ));
            }
            // An error or `halt` ends this element's run with a message (jaq's own helper
            // would end the process on `halt`).
            let value = out.map_err(|exception| match exception.get_err() {
                Ok(error) => format!("jq: {error}"),
                Err(other) => match other.get_halt() {
                    Ok(code) => format!("jq: halt({code})"),
                    Err(_) => "jq: the program raised an exception it did not catch".to_owned(),
                },
            })?;
            let json: serde_json::Value = serde_json::from_str(&value.to_string())
                .map_err(|e| format!("jq produced a value that is not JSON: {e}"))?;
            results.push(json);
        }
        Ok(results)
    }
}

/// One result as itself, several as one array (`array`), none as `None`.
fn packed<T>(mut results: Vec<T>, array: impl FnOnce(Vec<T>) -> T) -> Option<T> {
    match results.len() {
        0 => None,
        1 => results.pop(),
        _ => Some(array(results)),
    }
}

/// Why a worker's answers stopped before the last element.
enum Stopped {
    /// With this message.
    Said(String),
    /// The worker ended; its status and stderr say why.
    Ended,
}

fn timed_out(seconds: u64) -> String {
    format!(
        "jq spent more than {seconds} s on one element and was stopped (TRAILGRAPH_JQ_SECONDS sets the bound)"
    )
}

/// Why a worker ended before it answered for every element.
fn ended(worker: &Worker, status: Option<std::process::ExitStatus>, said: &str) -> String {
    if status.and_then(|s| s.code()) == Some(WORKER_TIMED_OUT) {
        timed_out(worker.seconds)
    } else if said.contains("overflowed its stack") {
        "jq: the program recursed too deeply (its stack overflowed) and was stopped".to_owned()
    } else if said.contains("memory allocation") {
        format!(
            "jq: the program needed more than {} MiB of memory and was stopped (TRAILGRAPH_JQ_MEMORY_MIB sets the bound)",
            worker.memory_mib
        )
    } else {
        let how = status.map_or_else(|| "unknown status".to_owned(), |s| s.to_string());
        let said = said.lines().next().unwrap_or("").trim();
        if said.is_empty() {
            format!("jq: its worker process ended early ({how})")
        } else {
            format!("jq: its worker process ended early ({how}): {said}")
        }
    }
}

/// One answer line of a worker: `{"ok": value}`, `{"none": true}` or `{"error": "message"}`.
fn parse_answer(line: &[u8]) -> Result<Option<Value>, String> {
    let answer: serde_json::Value = serde_json::from_slice(line)
        .map_err(|e| format!("jq: its worker answered something else than JSON: {e}"))?;
    if let Some(value) = answer.get("ok") {
        return Ok(Some(Value::from(value)));
    }
    if answer.get("none").is_some() {
        return Ok(None);
    }
    match answer.get("error").and_then(|m| m.as_str()) {
        Some(message) => Err(message.to_owned()),
        None => Err("jq: its worker answered something unexpected".to_owned()),
    }
}

/// The worker's side: reads a program (a JSON string, already rewritten) and then one element
/// per line from `input`, writes one answer line per element to `output`, and ends the process
/// with [`WORKER_TIMED_OUT`] when one element takes longer than `seconds`. `limit` is called
/// once the watchdog runs, before any input is read (to bound the process's memory, say).
/// Returns the exit code.
pub fn serve_worker(
    input: impl std::io::BufRead,
    mut output: impl std::io::Write,
    seconds: u64,
    limit: impl FnOnce() -> Result<(), String>,
) -> i32 {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    const IDLE: u64 = u64::MAX;
    let started = std::time::Instant::now();
    let now_ms = move || u64::try_from(started.elapsed().as_millis()).unwrap_or(IDLE - 1);
    // When the element being run started (ms since `started`), or IDLE between elements.
    let busy_since = Arc::new(AtomicU64::new(IDLE));
    let answer = |output: &mut dyn std::io::Write, value: serde_json::Value| -> bool {
        writeln!(output, "{value}")
            .and_then(|()| output.flush())
            .is_ok()
    };
    let watchdog = {
        let busy_since = Arc::clone(&busy_since);
        let limit = seconds.saturating_mul(1000);
        std::thread::Builder::new()
            .name("jq-watchdog".to_owned())
            .stack_size(64 * 1024)
            .spawn(move || {
                loop {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                    let since = busy_since.load(Ordering::Relaxed);
                    if since != IDLE && now_ms().saturating_sub(since) > limit {
                        std::process::exit(WORKER_TIMED_OUT);
                    }
                }
            })
    };
    let ready = match watchdog {
        Ok(_) => limit(),
        Err(e) => Err(format!("jq: its worker cannot watch the time: {e}")),
    };
    if let Err(message) = ready {
        answer(&mut output, serde_json::json!({ "error": message }));
        return 2;
    }
    let mut lines = input.lines();
    let program = match lines.next() {
        Some(Ok(line)) => serde_json::from_str::<String>(&line)
            .map_err(|e| format!("jq: its worker was not given a program: {e}"))
            .and_then(|code| JqProgram::compile(&code, true)),
        _ => Err("jq: its worker was not given a program".to_owned()),
    };
    let program = match program {
        Ok(p) => p,
        Err(message) => {
            answer(&mut output, serde_json::json!({ "error": message }));
            return 2;
        }
    };
    for line in lines {
        let Ok(line) = line else { return 2 };
        busy_since.store(now_ms(), Ordering::Relaxed);
        let result = program.outputs(line.as_bytes());
        busy_since.store(IDLE, Ordering::Relaxed);
        let reply = match result.map(|all| packed(all, serde_json::Value::Array)) {
            Ok(Some(value)) => serde_json::json!({ "ok": value }),
            Ok(None) => serde_json::json!({ "none": true }),
            Err(message) => serde_json::json!({ "error": message }),
        };
        if !answer(&mut output, reply) {
            return 0;
        }
    }
    0
}

/// What jq's reader did not accept, and where (`expected closing bracket at column 3`).
fn describe(code: &str, errors: &jaq_core::load::Errors<&str, ()>) -> String {
    use jaq_core::load::{Error, lex};
    // `rest` is what was left of the program where the reader stopped.
    let column = |rest: &str| -> String {
        if code.ends_with(rest) {
            let at = code.len() - rest.len();
            let column = code[..at].chars().count() + 1;
            if rest.is_empty() {
                "at the end".to_owned()
            } else {
                format!("at column {column}")
            }
        } else {
            format!("at `{}`", rest.chars().take(20).collect::<String>())
        }
    };
    let mut said = Vec::new();
    for (_, error) in errors {
        match error {
            Error::Io(list) => said.extend(list.iter().map(|(_, message)| message.clone())),
            Error::Lex(list) => said.extend(list.iter().map(|(expect, rest)| {
                let expected = match expect {
                    lex::Expect::Delim(open) => format!("a match for `{open}`"),
                    other => other.as_str().to_owned(),
                };
                format!("expected {expected} {}", column(rest))
            })),
            Error::Parse(list) => said.extend(list.iter().map(|(expect, token)| {
                let found = if token.is_empty() {
                    "the end".to_owned()
                } else {
                    format!("`{}`", token.chars().take(20).collect::<String>())
                };
                format!("expected {}, found {found}", expect.as_str())
            })),
        }
    }
    if said.is_empty() {
        "it does not parse".to_owned()
    } else {
        said.join("; ")
    }
}

/// Fix's rewrite: in the program before its first `|` outside strings and brackets, a path
/// start `.name` reads `.reported.name`, and `./name` is the absolute `.name`.
pub fn rewrite(code: &str) -> String {
    let mut out = String::with_capacity(code.len() + 16);
    let mut chars = code.char_indices().peekable();
    let mut in_string = false;
    let mut escaped = false;
    let mut depth = 0usize;
    let mut previous: Option<char> = None;
    let mut done = false;
    while let Some((_, c)) = chars.next() {
        if done {
            out.push(c);
            continue;
        }
        if in_string {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            previous = Some(c);
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            '|' if depth == 0 => done = true,
            '.' => {
                let starts_path = !previous.is_some_and(|p| {
                    p.is_alphanumeric() || matches!(p, '_' | ']' | ')' | '"' | '.' | '$' | '?')
                });
                let next = chars.peek().map(|&(_, n)| n);
                if starts_path && next == Some('/') {
                    out.push('.');
                    chars.next();
                    previous = Some('/');
                    continue;
                }
                if starts_path && next.is_some_and(|n| n.is_alphabetic() || n == '_') {
                    out.push_str(".reported.");
                    previous = Some('.');
                    continue;
                }
            }
            _ => {}
        }
        out.push(c);
        previous = Some(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_answers_each_element_and_reports_errors_as_answers() {
        let input = b"\".name | strings\"\n{\"name\":\"a\"}\n{\"x\":1}\n[1]\n";
        let mut output = Vec::new();
        assert_eq!(serve_worker(&input[..], &mut output, 5, || Ok(())), 0);
        let lines: Vec<&[u8]> = output.split(|b| *b == b'\n').collect();
        assert_eq!(parse_answer(lines[0]).unwrap(), Some(Value::from("a")));
        assert_eq!(parse_answer(lines[1]).unwrap(), None);
        assert!(parse_answer(lines[2]).unwrap_err().contains("jq:"));
        let mut output = Vec::new();
        assert_eq!(serve_worker(&b"\".[\"\n"[..], &mut output, 5, || Ok(())), 2);
        assert!(parse_answer(&output).unwrap_err().contains("cannot read"));
        let mut output = Vec::new();
        let refused = || Err("no limit".to_owned());
        assert_eq!(serve_worker(&b"\".\"\n1\n"[..], &mut output, 5, refused), 2);
        assert_eq!(parse_answer(&output).unwrap_err(), "no limit");
        assert!(parse_answer(b"not json").is_err());
        assert!(parse_answer(b"{\"other\":1}").is_err());
    }

    #[test]
    fn how_a_worker_ended_is_said_plainly() {
        use std::os::unix::process::ExitStatusExt;
        let worker = Worker {
            program: "trailgraph".into(),
            args: Vec::new(),
            env: Vec::new(),
            seconds: 3,
            memory_mib: 64,
        };
        let code = |c: i32| Some(std::process::ExitStatus::from_raw(c << 8));
        assert!(ended(&worker, code(WORKER_TIMED_OUT), "").contains("more than 3 s"));
        let abort = Some(std::process::ExitStatus::from_raw(6));
        let overflow = "\nthread 'main' has overflowed its stack\nfatal runtime error";
        assert!(ended(&worker, abort, overflow).contains("recursed too deeply"));
        let oom = "memory allocation of 134217728 bytes failed";
        assert!(ended(&worker, abort, oom).contains("more than 64 MiB"));
        assert!(ended(&worker, code(7), "odd\nmore").ends_with(": odd"));
    }

    #[test]
    fn rewrites_paths_before_the_first_pipe() {
        assert_eq!(rewrite(".name"), ".reported.name");
        assert_eq!(
            rewrite("{n: .name, a: ./id}"),
            "{n: .reported.name, a: .id}"
        );
        assert_eq!(rewrite(".tags.owner | .x"), ".reported.tags.owner | .x");
        assert_eq!(
            rewrite("[.a, (.b | .c)] | .d"),
            "[.reported.a, (.reported.b | .reported.c)] | .d"
        );
        assert_eq!(rewrite(r#"."a" + ".b""#), r#"."a" + ".b""#);
        assert_eq!(rewrite(".[0]"), ".[0]");
        assert_eq!(rewrite("."), ".");
        assert_eq!(rewrite("1.5"), "1.5");
        assert_eq!(rewrite("$x.a"), "$x.a");
    }

    #[test]
    fn runs_and_refuses_what_reaches_outside() {
        let node = Value::from(
            &serde_json::json!({"id": "a", "reported": {"name": "n", "tags": {"o": 1}}}),
        );
        let p = JqProgram::compile(".name", false).unwrap();
        assert_eq!(p.run(&node).unwrap(), Some(Value::from("n")));
        let p = JqProgram::compile(".reported.tags | keys", true).unwrap();
        assert_eq!(
            p.run(&node).unwrap().map(|v| v.to_string()),
            Some(r#"["o"]"#.to_owned())
        );
        let p = JqProgram::compile("./id, .name", false).unwrap();
        assert_eq!(
            p.run(&node).unwrap().map(|v| v.to_string()),
            Some(r#"["a","n"]"#.to_owned())
        );
        assert_eq!(
            JqProgram::compile("empty", true)
                .unwrap()
                .run(&node)
                .unwrap(),
            None
        );
        for outside in ["env", "$ENV", "input", "inputs", "$__loc__ | env"] {
            assert!(JqProgram::compile(outside, true).is_err(), "{outside}");
        }
        assert!(
            JqProgram::compile("halt", true)
                .unwrap()
                .run(&node)
                .is_err()
        );
        assert!(JqProgram::compile(".[", true).is_err());
        let endless = JqProgram::compile("repeat(1)", true).unwrap();
        assert!(endless.run(&node).unwrap_err().contains("more than"));
        assert!(
            JqProgram::compile("error(\"x\")", true)
                .unwrap()
                .run(&node)
                .is_err()
        );
    }
}
