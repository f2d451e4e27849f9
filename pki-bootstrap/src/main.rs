//! `pki-bootstrap`: the command-line front end of the ceremony library.

fn main() {
    eprintln!("pki-bootstrap: no commands are implemented yet");
    std::process::exit(2);
}
