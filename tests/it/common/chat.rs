//! Drives `checkout-bot chat --json` as a child process, as a script would.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{Value, json};

pub struct Chat {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// The last reply.
    pub last: Value,
    /// Where the documents asked for are written (`chat --documents`).
    pub documents: tempfile::TempDir,
}

impl Chat {
    /// Starts the chat on `database_url` as `user`, and reads its first reply.
    pub fn start(database_url: &str, user: &str, env: &[(&str, &str)]) -> Chat {
        Chat::start_logging_to(database_url, user, env, None)
    }

    /// Like `start`, with the process's log (stderr) written to `log`.
    pub fn start_logging_to(
        database_url: &str,
        user: &str,
        env: &[(&str, &str)],
        log: Option<&std::path::Path>,
    ) -> Chat {
        let documents = tempfile::tempdir().expect("a documents folder");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_checkout-bot"));
        cmd.args(["chat", "--json", "--user", user, "--documents"])
            .arg(documents.path())
            .env("DATABASE_URL", database_url)
            .env_remove("DEMO_MODE")
            .env_remove("SESSION_TTL")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(match log {
                Some(path) => Stdio::from(std::fs::File::create(path).expect("log file")),
                None => Stdio::inherit(),
            });
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start checkout-bot");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut chat = Chat {
            child,
            stdin,
            stdout,
            last: Value::Null,
            documents,
        };
        chat.last = chat.read();
        chat
    }

    fn read(&mut self) -> Value {
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("read reply");
        assert!(!line.is_empty(), "the chat closed its output");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    }

    /// Sends one raw line and returns the reply.
    pub fn send(&mut self, line: &str) -> &Value {
        writeln!(self.stdin, "{line}").expect("write");
        self.stdin.flush().expect("flush");
        self.last = self.read();
        &self.last
    }

    pub fn send_json(&mut self, v: Value) -> &Value {
        self.send(&v.to_string())
    }

    pub fn action(&self, label: &str) -> &Value {
        self.last["view"]["actions"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["label"] == label))
            .unwrap_or_else(|| panic!("no action '{label}' in {}", self.last))
    }

    pub fn id(&self, label: &str) -> String {
        self.action(label)["id"].as_str().expect("id").to_string()
    }

    pub fn click(&mut self, label: &str) -> &Value {
        let id = self.id(label);
        self.send_json(json!({"click": id}))
    }

    /// Chooses the option whose label or value is `option` in the select `label`.
    pub fn choose(&mut self, label: &str, option: &str) -> &Value {
        let action = self.action(label).clone();
        let value = action["options"]
            .as_array()
            .and_then(|o| {
                o.iter()
                    .find(|x| x["label"] == option || x["value"] == option)
            })
            .unwrap_or_else(|| panic!("no option '{option}' in {action}"))["value"]
            .clone();
        self.send_json(json!({"choose": action["id"], "values": [value]}))
    }

    pub fn submit(&mut self, label: &str, fields: Value) -> &Value {
        let id = self.id(label);
        self.send_json(json!({"submit": id, "fields": fields}))
    }

    pub fn step(&self) -> &str {
        self.last["view"]["step"].as_str().unwrap_or("")
    }

    pub fn notice(&self) -> &str {
        self.last["notice"]["text"].as_str().unwrap_or("")
    }

    pub fn notice_kind(&self) -> &str {
        self.last["notice"]["kind"].as_str().unwrap_or("")
    }

    pub fn field(&self, label: &str) -> String {
        self.last["view"]["fields"]
            .as_array()
            .and_then(|f| f.iter().find(|x| x["label"] == label))
            .and_then(|x| x["value"].as_str())
            .unwrap_or_else(|| panic!("no field '{label}' in {}", self.last))
            .to_string()
    }

    /// A first purchase of the demo buyer's: support credits (USD 500.00) from the
    /// store to the PO question, paid by the payment method labelled `payment`.
    pub fn reach_the_po_question(&mut self, payment: &str) {
        self.send("/buy support credits");
        self.choose("Details", "Support Credits");
        self.click("Add to cart");
        self.send("/checkout");
        self.click("Continue");
        self.choose("Payment method", payment);
        assert_eq!(self.step(), "po", "{}", self.last);
    }

    /// From the PO question (no PO) to the placed order; returns its number.
    pub fn place_without_po(&mut self) -> String {
        self.click("No");
        self.click("I agree to the terms");
        self.click("Process order");
        assert_eq!(self.step(), "placed", "{}", self.last);
        self.field("Number")
    }

    /// Kills the process without letting it finish anything: a crash.
    pub fn kill(mut self) {
        self.child.kill().expect("kill");
        self.child.wait().expect("wait");
    }

    /// Closes stdin and waits for a clean exit.
    pub fn finish(mut self) {
        drop(self.stdin);
        let status = self.child.wait().expect("wait");
        assert!(status.success(), "chat exited with {status}");
    }
}
