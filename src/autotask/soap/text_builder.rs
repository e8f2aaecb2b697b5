//! Joining the pieces of one text value without copying the common case.

use std::borrow::Cow;

/// Collects the text, CDATA and reference pieces of one element.
///
/// The parser splits text at every `&…;`, so `Printer &amp; scanner` arrives
/// in three pieces. A value that arrives in one piece (the usual case) stays
/// borrowed from the input; only escaped or split values allocate.
#[derive(Debug, Default)]
pub(super) struct TextBuilder<'i> {
    text: Option<Cow<'i, str>>,
}

impl<'i> TextBuilder<'i> {
    pub(super) fn push(&mut self, piece: Cow<'i, str>) {
        match &mut self.text {
            None => self.text = Some(piece),
            Some(text) => text.to_mut().push_str(&piece),
        }
    }

    pub(super) fn push_str(&mut self, piece: &str) {
        match &mut self.text {
            None => self.text = Some(Cow::Owned(piece.to_owned())),
            Some(text) => text.to_mut().push_str(piece),
        }
    }

    pub(super) fn finish(self) -> Cow<'i, str> {
        self.text.unwrap_or(Cow::Borrowed(""))
    }
}

#[cfg(test)]
mod tests {
    use super::TextBuilder;
    use std::borrow::Cow;

    #[test]
    fn one_piece_stays_borrowed() {
        let mut builder = TextBuilder::default();
        builder.push(Cow::Borrowed("Printer down"));
        assert!(matches!(builder.finish(), Cow::Borrowed("Printer down")));
    }

    #[test]
    fn several_pieces_are_joined() {
        let mut builder = TextBuilder::default();
        builder.push(Cow::Borrowed("Printer "));
        builder.push_str("&");
        builder.push(Cow::Borrowed(" scanner"));
        assert_eq!(builder.finish(), "Printer & scanner");
    }

    #[test]
    fn nothing_is_the_empty_string() {
        assert_eq!(TextBuilder::default().finish(), "");
    }
}
