//! `snapshot-cron`: the command-line front end of the snapshot job.

fn main() {
    eprintln!("snapshot-cron: no commands are implemented yet");
    std::process::exit(2);
}
