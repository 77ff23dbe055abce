//! The Teams app package: `teams/manifest.json` with the bot's app id and host filled
//! in, and its two icons (192×192 colour, 32×32 outline), in one zip to upload.

use std::io::Write;

const MANIFEST: &str = include_str!("../../../teams/manifest.json");
const COLOR: &[u8] = include_bytes!("../../../teams/color.png");
const OUTLINE: &[u8] = include_bytes!("../../../teams/outline.png");

/// The manifest for `app_id` served at `host`.
pub(crate) fn manifest(app_id: &str, host: &str) -> anyhow::Result<serde_json::Value> {
    let ok_id = !app_id.is_empty() && app_id.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    if !ok_id {
        anyhow::bail!("TEAMS_APP_ID '{app_id}' is not a Microsoft App ID (a GUID)");
    }
    let ok_host = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'));
    if !ok_host {
        anyhow::bail!("'{host}' is not a host name");
    }
    let text = MANIFEST
        .replace("{{APP_ID}}", app_id)
        .replace("{{HOST}}", host);
    Ok(serde_json::from_str(&text)?)
}

/// The zip to upload.
pub(crate) fn zip(app_id: &str, host: &str) -> anyhow::Result<Vec<u8>> {
    let manifest = serde_json::to_vec_pretty(&manifest(app_id, host)?)?;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in [
        ("manifest.json", manifest.as_slice()),
        ("color.png", COLOR),
        ("outline.png", OUTLINE),
    ] {
        out.start_file(name, options)?;
        out.write_all(bytes)?;
    }
    Ok(out.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "00000000-0000-0000-0000-00000000abcd";

    #[test]
    fn the_package_holds_the_manifest_for_this_bot_and_both_icons() {
        let bytes = zip(ID, "bot.example.com").unwrap();
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut names: Vec<String> = z.file_names().map(str::to_string).collect();
        names.sort();
        assert_eq!(names, ["color.png", "manifest.json", "outline.png"]);
        let m: serde_json::Value =
            serde_json::from_reader(z.by_name("manifest.json").unwrap()).unwrap();
        assert_eq!(m["id"], ID);
        assert_eq!(m["bots"][0]["botId"], ID);
        assert_eq!(m["validDomains"][0], "bot.example.com");
        assert!(!m.to_string().contains("{{"));
        // The icons Teams asks for: 192×192 colour and 32×32 outline PNGs.
        for (name, side) in [("color.png", 192u32), ("outline.png", 32)] {
            let mut f = z.by_name(name).unwrap();
            let mut head = [0u8; 24];
            std::io::Read::read_exact(&mut f, &mut head).unwrap();
            assert_eq!(&head[..8], b"\x89PNG\r\n\x1a\n", "{name}");
            let w = u32::from_be_bytes(head[16..20].try_into().unwrap());
            let h = u32::from_be_bytes(head[20..24].try_into().unwrap());
            assert_eq!((w, h), (side, side), "{name}");
        }
        // Every command listed is one the bot has, and each list stays within 10.
        let names: Vec<&str> = crate::engine::commands::COMMANDS
            .iter()
            .map(|c| c.name)
            .collect();
        for list in m["bots"][0]["commandLists"].as_array().unwrap() {
            let commands = list["commands"].as_array().unwrap();
            assert!(commands.len() <= 10);
            for c in commands {
                assert!(names.contains(&c["title"].as_str().unwrap()), "{c}");
            }
        }
        assert!(zip("not an id!", "bot.example.com").is_err());
        assert!(zip(ID, "bad host/").is_err());
    }
}
