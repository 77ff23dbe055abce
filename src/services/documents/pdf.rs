//! Laying a document out on A4 pages as PDF, with krilla: an embedded font (DejaVu
//! Sans, `assets/fonts`, its licence beside it) so the text reads the same everywhere
//! and can be selected and extracted, and no clock or random id in the file, so the
//! same document gives the same bytes.

use std::sync::LazyLock;

use krilla::Document;
use krilla::geom::Point;
use krilla::page::PageSettings;
use krilla::text::{Font, TextDirection};

static REGULAR: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");

static FONTS: LazyLock<Option<(Font, Font)>> = LazyLock::new(|| {
    Some((
        Font::new(REGULAR.to_vec().into(), 0)?,
        Font::new(BOLD.to_vec().into(), 0)?,
    ))
});

/// A4 in points, and the margins.
const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const MARGIN: f32 = 50.0;
const SIZE: f32 = 9.5;
const LEADING: f32 = 14.0;
/// Characters that fit a line at `SIZE`, for wrapping long text.
const LINE_CHARS: usize = 95;

/// What a document says, top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Block {
    Title(String),
    Heading(String),
    Text(String),
    /// A label and its value side by side.
    Pair(String, String),
    /// A table: its header, its rows, and where each column starts (points from the
    /// left margin).
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
        columns: Vec<f32>,
    },
    Gap,
}

/// One run of text placed on a page.
struct Run {
    x: f32,
    y: f32,
    bold: bool,
    size: f32,
    text: String,
}

struct Writer<'a> {
    doc: &'a mut Document,
    fonts: &'a (Font, Font),
    /// Each page's runs.
    pages: Vec<Vec<Run>>,
    y: f32,
}

impl Writer<'_> {
    fn line(&mut self, x: f32, bold: bool, size: f32, text: &str) {
        if let Some(page) = self.pages.last_mut() {
            page.push(Run {
                x: MARGIN + x,
                y: self.y,
                bold,
                size,
                text: text.to_string(),
            });
        }
    }

    fn advance(&mut self, by: f32) {
        self.y += by;
        if self.y > HEIGHT - MARGIN {
            self.pages.push(Vec::new());
            self.y = MARGIN + LEADING;
        }
    }

    fn finish(self) {
        let (regular, bold) = self.fonts;
        for lines in self.pages {
            let Some(settings) = PageSettings::from_wh(WIDTH, HEIGHT) else {
                continue;
            };
            let mut page = self.doc.start_page_with(settings);
            let mut surface = page.surface();
            for run in lines {
                let font = if run.bold { bold } else { regular };
                surface.draw_text(
                    Point::from_xy(run.x, run.y),
                    font.clone(),
                    run.size,
                    &run.text,
                    false,
                    TextDirection::Auto,
                );
            }
            surface.finish();
            page.finish();
        }
    }
}

/// Splits `text` into lines of at most `width` characters, at spaces where it can.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
                out.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        out.push(line);
    }
    out
}

/// The blocks as a PDF.
pub(crate) fn render(blocks: &[Block]) -> Result<Vec<u8>, String> {
    let fonts = FONTS
        .as_ref()
        .ok_or_else(|| "the embedded font cannot be read".to_string())?;
    let mut doc = Document::new();
    let mut w = Writer {
        doc: &mut doc,
        fonts,
        pages: vec![Vec::new()],
        y: MARGIN + LEADING,
    };
    for block in blocks {
        match block {
            Block::Title(t) => {
                w.line(0.0, true, 18.0, t);
                w.advance(LEADING * 2.0);
            }
            Block::Heading(t) => {
                w.advance(LEADING * 0.5);
                w.line(0.0, true, SIZE + 1.5, t);
                w.advance(LEADING);
            }
            Block::Text(t) => {
                for l in wrap(t, LINE_CHARS) {
                    w.line(0.0, false, SIZE, &l);
                    w.advance(LEADING);
                }
            }
            Block::Pair(label, value) => {
                w.line(0.0, true, SIZE, label);
                let lines = wrap(value, LINE_CHARS - 28);
                for (i, l) in lines.iter().enumerate() {
                    w.line(150.0, false, SIZE, l);
                    if i + 1 < lines.len() {
                        w.advance(LEADING);
                    }
                }
                w.advance(LEADING);
            }
            Block::Table {
                header,
                rows,
                columns,
            } => {
                for (x, h) in columns.iter().zip(header) {
                    w.line(*x, true, SIZE, h);
                }
                w.advance(LEADING);
                for row in rows {
                    // The first column wraps; the others are short (numbers, money).
                    let first_width = columns.get(1).map_or(LINE_CHARS, |x| (*x / 5.6) as usize);
                    let first = wrap(row.first().map_or("", String::as_str), first_width.max(10));
                    for (x, cell) in columns.iter().zip(row).skip(1) {
                        w.line(*x, false, SIZE, cell);
                    }
                    for (i, l) in first.iter().enumerate() {
                        w.line(0.0, false, SIZE, l);
                        if i + 1 < first.len() {
                            w.advance(LEADING);
                        }
                    }
                    w.advance(LEADING);
                }
            }
            Block::Gap => w.advance(LEADING),
        }
    }
    w.finish();
    doc.finish().map_err(|e| format!("{e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_blocks_give_the_same_bytes_and_a_pdf() {
        let blocks = vec![
            Block::Title("Quote Q-CB-1".into()),
            Block::Pair("Date".into(), "2026-12-07".into()),
            Block::Table {
                header: vec!["Item".into(), "Qty".into()],
                rows: vec![vec!["Support Credits, Grüße €".into(), "5".into()]],
                columns: vec![0.0, 300.0],
            },
        ];
        let a = render(&blocks).unwrap();
        let b = render(&blocks).unwrap();
        assert!(a.starts_with(b"%PDF-"));
        assert_eq!(a, b);
    }

    #[test]
    fn long_text_wraps_at_spaces() {
        assert_eq!(wrap("aaa bbb ccc", 7), ["aaa bbb", "ccc"]);
        assert_eq!(wrap("one\ntwo", 20), ["one", "two"]);
    }
}
