//! The runner for the Markdown runbooks in `docs/guides/`: it extracts the runnable blocks of a
//! guide, runs them in order in one `bash` with a reader's environment, and names the block and
//! line that failed. The acceptance area `guides` says which guide runs with what; this module is
//! the machinery, shared so that any area (a tool's own guide, say) can run a runbook.
//!
//! A guide is Markdown. Its commands are the fenced blocks with the info string `sh`; a block
//! whose info string is `hcl title="<file>"` is a file the reader writes (into the current
//! directory of the shell at that point). `text` blocks show expected output and HCL blocks
//! without a title are illustrations; neither runs. Any other fence that looks like a shell
//! (`bash`, `shell`, `console`, `sh` with unknown attributes) is refused, so no command can
//! hide from the runner. The blocks of one guide run in order in one `bash` with
//! `set -euo pipefail` in a fresh temporary directory, with the environment a reader would have:
//! `VAULT_ADDR`/`VAULT_TOKEN` of the shared OpenBao node, `PATH` with the built binaries and
//! `bao`, the `AWS_*` settings of moto, a Terraform CLI configuration whose filesystem mirror
//! serves the built provider (so `terraform init` works offline, as it does for a reader with the
//! registry), and the placeholders the guide's prose asks the reader to set. After each block a
//! marker is written; a block that did not run (an early `exit`, say) fails as surely as a
//! command that fails.
//!
//! Output is kept in a log that is shown on failure with every secret of the environment (tokens,
//! unseal keys, passphrases) replaced by `[redacted]`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{bin_path, env, workspace_root};

/// What a fenced block of a guide is to the runner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Commands, run in order.
    Sh,
    /// A file the reader writes, named by `title="…"`.
    File(String),
}

/// One runnable block: what it is, the guide line of its opening fence, its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub kind: Kind,
    pub line: usize,
    pub text: String,
}

/// Fence info strings that would look like commands to a reader but are not run.
pub const REFUSED: &[&str] = &["bash", "shell", "console", "zsh", "shell-session"];

/// The runnable blocks of a guide, in order; an error names a fence the runner would not run.
pub fn blocks(markdown: &str) -> Result<Vec<Block>, String> {
    let mut out = Vec::new();
    let mut lines = markdown.lines().enumerate();
    while let Some((i, line)) = lines.next() {
        let trimmed = line.trim_start();
        let Some(fence_rest) = trimmed.strip_prefix("```") else {
            continue;
        };
        let indent = line.len() - trimmed.len();
        let info = fence_rest.trim();
        let mut body = Vec::new();
        let mut closed = false;
        for (_, l) in lines.by_ref() {
            if l.trim_start().starts_with("```") {
                closed = true;
                break;
            }
            // Blocks inside list items are indented; the reader copies them without it.
            let cut = l.len() - l.trim_start().len();
            body.push(&l[cut.min(indent)..]);
        }
        if !closed {
            return Err(format!("line {}: fence ``` is never closed", i + 1));
        }
        let text = body.join("\n") + "\n";
        let mut words = info.split_whitespace();
        let lang = words.next().unwrap_or("");
        let attrs: Vec<&str> = words.collect();
        let kind = match lang {
            "sh" if attrs.is_empty() => Some(Kind::Sh),
            "sh" => {
                return Err(format!(
                    "line {}: ```{info}: sh blocks take no attributes (every one runs)",
                    i + 1
                ));
            }
            "hcl" | "terraform" => title(&attrs).map(Kind::File),
            l if REFUSED.contains(&l) => {
                return Err(format!(
                    "line {}: ```{l} is not run by the guide test; write commands as ```sh \
                     and output as ```text",
                    i + 1
                ));
            }
            _ => None,
        };
        if let Some(kind) = kind {
            out.push(Block {
                kind,
                line: i + 1,
                text,
            });
        }
    }
    Ok(out)
}

/// The value of a `title="…"` attribute.
pub fn title(attrs: &[&str]) -> Option<String> {
    attrs.iter().find_map(|a| {
        a.strip_prefix("title=\"")
            .and_then(|v| v.strip_suffix('"'))
            .map(str::to_owned)
    })
}

/// The heredoc delimiter for file blocks; a block containing it is refused.
pub const EOF: &str = "VAULTPKI_GUIDE_FILE_EOF";

/// One bash script running `blocks` in order, and for each script line the guide line it came
/// from (0 for the runner's own lines).
pub fn script(blocks: &[Block], marks: &Path) -> Result<(String, Vec<usize>), String> {
    let mut s = String::new();
    let mut map = vec![0];
    let mut push = |s: &mut String, text: &str, guide_line: usize| {
        for l in text.lines() {
            s.push_str(l);
            s.push('\n');
            map.push(guide_line);
        }
    };
    push(
        &mut s,
        &format!(
            "set -euo pipefail\n\
             trap 'echo \"guide-runner: command failed (exit $?) at script line $LINENO: \
             $BASH_COMMAND\" >&2' ERR\n\
             __marks={}\n",
            shell_quote(&marks.display().to_string())
        ),
        0,
    );
    for (n, b) in blocks.iter().enumerate() {
        push(
            &mut s,
            &format!("# block {} (guide line {})", n + 1, b.line),
            0,
        );
        match &b.kind {
            Kind::Sh => {
                for (k, l) in b.text.lines().enumerate() {
                    push(&mut s, l, b.line + 1 + k);
                }
            }
            Kind::File(name) => {
                if b.text.contains(EOF) {
                    return Err(format!("line {}: the block contains {EOF}", b.line));
                }
                push(
                    &mut s,
                    &format!("cat > {} <<'{EOF}'", shell_quote(name)),
                    b.line,
                );
                for (k, l) in b.text.lines().enumerate() {
                    push(&mut s, l, b.line + 1 + k);
                }
                push(&mut s, EOF, b.line);
            }
        }
        push(&mut s, &format!("echo {} >> \"$__marks\"", n + 1), 0);
    }
    Ok((s, map))
}

pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// What a guide run needs beyond the shared environment.
pub struct GuideRun {
    pub name: &'static str,
    pub vars: BTreeMap<String, String>,
    pub secrets: Vec<String>,
    /// Files the reader already has in the working directory (name, contents).
    pub files: Vec<(String, String)>,
    /// Seconds before the whole guide is stopped.
    pub timeout: u32,
}

impl GuideRun {
    pub fn new(name: &'static str) -> Self {
        let e = env();
        Self {
            name,
            vars: BTreeMap::new(),
            secrets: vec![
                e.token.clone(),
                e.unseal_key.clone(),
                e.cluster_token.clone(),
                e.cluster_unseal_key.clone(),
            ],
            files: Vec::new(),
            timeout: 300,
        }
    }

    pub fn file(mut self, name: &str, contents: impl Into<String>) -> Self {
        self.files.push((name.to_owned(), contents.into()));
        self
    }

    /// A run with no shared environment, for testing the runner itself.
    pub fn bare(name: &'static str) -> Self {
        Self {
            name,
            vars: BTreeMap::new(),
            secrets: Vec::new(),
            files: Vec::new(),
            timeout: 60,
        }
    }

    pub fn var(mut self, key: &str, value: impl Into<String>) -> Self {
        self.vars.insert(key.to_owned(), value.into());
        self
    }

    pub fn secret(mut self, value: impl Into<String>) -> Self {
        self.secrets.push(value.into());
        self
    }

    /// Runs every block of `docs/guides/<name>.md` with the reader's environment (the shared
    /// OpenBao node, moto, the built binaries, the provider mirror); panics naming the block that
    /// failed.
    pub fn run(self) {
        let path = workspace_root()
            .join("docs/guides")
            .join(format!("{}.md", self.name));
        let md = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let e = env();
        let mirror = tempfile::Builder::new()
            .prefix("vaultpki-guide-mirror-")
            .tempdir()
            .expect("a temporary directory");
        let mut reader: Vec<(String, String)> = vec![
            ("PATH".into(), reader_path()),
            (
                "TF_CLI_CONFIG_FILE".into(),
                crate::installation::dev_mirror(mirror.path())
                    .display()
                    .to_string(),
            ),
            ("TF_INPUT".into(), "0".into()),
            // Plain output in the log shown on failure; the commands are unchanged.
            ("TF_CLI_ARGS".into(), "-no-color".into()),
            ("CHECKPOINT_DISABLE".into(), "1".into()),
            ("VAULT_ADDR".into(), e.addr.clone()),
            ("VAULT_TOKEN".into(), e.token.clone()),
        ];
        reader.extend(
            e.vars()
                .iter()
                .filter(|(k, _)| k.starts_with("AWS_"))
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        let label = format!("docs/guides/{}.md", self.name);
        if let Err(msg) = self.execute(&label, &md, &reader) {
            panic!("{msg}");
        }
    }

    /// Runs the blocks of `md` in a fresh directory with only `base` and [`Self::var`]s in the
    /// environment; the error names the block and line that failed, with the output's tail.
    pub fn execute(&self, label: &str, md: &str, base: &[(String, String)]) -> Result<(), String> {
        let blocks = blocks(md).map_err(|e| format!("{label}: {e}"))?;
        if !blocks.iter().any(|b| b.kind == Kind::Sh) {
            return Err(format!(
                "{label} has no ```sh block: nothing of it would be tested"
            ));
        }
        let dir = tempfile::Builder::new()
            .prefix(&format!("vaultpki-guide-{}-", self.name))
            .tempdir()
            .map_err(|e| format!("a temporary directory: {e}"))?;
        let work = dir.path().join("work");
        let home = dir.path().join("home");
        for d in [&work, &home] {
            std::fs::create_dir_all(d).map_err(|e| format!("create {}: {e}", d.display()))?;
        }
        for (name, contents) in &self.files {
            std::fs::write(work.join(name), contents).map_err(|e| format!("write {name}: {e}"))?;
        }
        let marks = dir.path().join("marks");
        let (text, map) = script(&blocks, &marks).map_err(|e| format!("{label}: {e}"))?;
        let script_path = dir.path().join("guide.sh");
        std::fs::write(&script_path, &text).map_err(|e| format!("write the script: {e}"))?;
        let log_path = dir.path().join("output.log");
        let log = std::fs::File::create(&log_path).map_err(|e| format!("create the log: {e}"))?;
        let log2 = log.try_clone().map_err(|e| format!("clone the log: {e}"))?;

        let status = Command::new("timeout")
            .arg(self.timeout.to_string())
            .arg("bash")
            .arg(&script_path)
            .current_dir(&work)
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", &home)
            .env("TMPDIR", dir.path())
            .env("LANG", "C.UTF-8")
            .envs(base.iter().map(|(k, v)| (k, v)))
            .envs(&self.vars)
            .stdin(Stdio::null())
            .stdout(log2)
            .stderr(log)
            .status()
            .map_err(|e| format!("could not run bash: {e}"))?;
        let output = std::fs::read_to_string(&log_path).unwrap_or_default();
        let ran: Vec<usize> = std::fs::read_to_string(&marks)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect();
        let all: Vec<usize> = (1..=blocks.len()).collect();
        if status.success() && ran == all {
            return Ok(());
        }
        let next = ran.len();
        let where_ = blocks.get(next).map_or_else(
            || "after the last block".to_owned(),
            |b| {
                format!(
                    "block {} of {} (opening at line {})",
                    next + 1,
                    blocks.len(),
                    b.line
                )
            },
        );
        let failed_line = output
            .lines()
            .rev()
            .find_map(|l| {
                let rest = l.split("at script line ").nth(1)?;
                rest.split(':').next()?.trim().parse::<usize>().ok()
            })
            .and_then(|n| map.get(n).copied())
            .filter(|&n| n > 0)
            .map_or_else(String::new, |n| format!(", command at line {n}"));
        let reason = if status.success() {
            "the script ended before every block ran (an exit in a block?)".to_owned()
        } else if status.code() == Some(124) {
            format!("timed out after {} s", self.timeout)
        } else {
            format!("failed with {status}")
        };
        let tail: Vec<&str> = output.lines().collect();
        let tail = tail[tail.len().saturating_sub(80)..].join("\n");
        Err(format!(
            "{label}: {where_}{failed_line}: {reason}\n--- last output\n{}",
            self.redact(&tail)
        ))
    }

    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in self.secrets.iter().filter(|s| s.len() >= 4) {
            out = out.replace(s.as_str(), "[redacted]");
        }
        out
    }
}

/// The built binaries and `bao` first, then the system's.
pub fn reader_path() -> String {
    let ours = bin_path("pki-bootstrap")
        .parent()
        .expect("binaries live in a directory")
        .to_path_buf();
    let bao = env()
        .bao_bin
        .parent()
        .map_or_else(PathBuf::new, Path::to_path_buf);
    let system = std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".to_owned());
    format!("{}:{}:{system}", ours.display(), bao.display())
}
