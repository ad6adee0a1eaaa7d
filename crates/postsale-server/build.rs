//! Embeds every file of `assets/` in the binary. The build writes `OUT_DIR/assets.rs`: a table
//! of file name, media type and `include_bytes!` of the file, read by `web::assets`.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let folder = manifest.join("assets");
    println!("cargo:rerun-if-changed=assets");

    let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", folder.display()))
        .map(|entry| entry.expect("read an entry of assets/").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();

    let mut table = String::from("&[\n");
    for path in files {
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .expect("asset names are UTF-8");
        let valid_name = name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b'_'));
        assert!(
            valid_name,
            "asset name {name:?} is invalid: use letters, digits, '.', '-' and '_'"
        );
        let media_type = media_type(name);
        writeln!(
            table,
            "    ({name:?}, {media_type:?}, include_bytes!({:?})),",
            path.display().to_string()
        )
        .expect("write to a string");
    }
    table.push(']');

    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo")).join("assets.rs");
    std::fs::write(&out, table)
        .unwrap_or_else(|error| panic!("cannot write {}: {error}", out.display()));
}

fn media_type(name: &str) -> &'static str {
    let extension = name.rsplit_once('.').map_or("", |(_, extension)| extension);
    match extension {
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        other => panic!(
            "asset {name:?} has the extension {other:?}, which has no media type here: add it \
             to media_type in build.rs"
        ),
    }
}
