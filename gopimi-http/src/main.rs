//! The `gopimi` binary: everything lives in [`gopimi_http::cli`].

#[tokio::main]
async fn main() -> std::process::ExitCode {
    gopimi_http::cli::main().await
}
