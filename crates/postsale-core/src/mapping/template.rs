//! Templates that join elements into one text, such as `{$.billing.first_name} {$.billing.last_name}`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::path::{JsonPath, PathError};

/// A parsed template: literal text and `{path}` placeholders; `{{` and `}}` write braces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    text: String,
    parts: Vec<TemplatePart>,
}

/// One piece of a template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TemplatePart {
    Literal(String),
    Element(JsonPath),
}

/// The error for template text that cannot be parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("template {0:?} has a '{{' without its '}}'; write {{{{ for a literal brace")]
    Unclosed(String),
    #[error("template {0:?} has a '}}' without its '{{'; write }}}} for a literal brace")]
    Unopened(String),
    #[error("template {template:?} has an invalid element: {source}")]
    Path {
        template: String,
        #[source]
        source: PathError,
    },
    #[error("template {0:?} has no element; use a fixed value instead")]
    NoElement(String),
}

impl Template {
    /// Parses template text.
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = text.char_indices().peekable();

        while let Some((start, c)) = chars.next() {
            match c {
                '{' if chars.peek().map(|(_, next)| *next) == Some('{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek().map(|(_, next)| *next) == Some('}') => {
                    chars.next();
                    literal.push('}');
                }
                '}' => return Err(TemplateError::Unopened(text.to_owned())),
                '{' => {
                    let end = text[start..]
                        .find('}')
                        .map(|offset| start + offset)
                        .ok_or_else(|| TemplateError::Unclosed(text.to_owned()))?;
                    let path = JsonPath::parse(text[start + 1..end].trim()).map_err(|source| {
                        TemplateError::Path {
                            template: text.to_owned(),
                            source,
                        }
                    })?;
                    if !literal.is_empty() {
                        parts.push(TemplatePart::Literal(std::mem::take(&mut literal)));
                    }
                    parts.push(TemplatePart::Element(path));
                    while chars.peek().is_some_and(|(index, _)| *index <= end) {
                        chars.next();
                    }
                }
                other => literal.push(other),
            }
        }
        if !literal.is_empty() {
            parts.push(TemplatePart::Literal(literal));
        }
        if !parts
            .iter()
            .any(|part| matches!(part, TemplatePart::Element(_)))
        {
            return Err(TemplateError::NoElement(text.to_owned()));
        }
        Ok(Template {
            text: text.to_owned(),
            parts,
        })
    }

    /// Returns the literal text and elements, in order.
    pub fn parts(&self) -> &[TemplatePart] {
        &self.parts
    }

    /// Returns the elements the template reads.
    pub fn elements(&self) -> impl Iterator<Item = &JsonPath> {
        self.parts.iter().filter_map(|part| match part {
            TemplatePart::Element(path) => Some(path),
            TemplatePart::Literal(_) => None,
        })
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for Template {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Template {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Template::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_elements_and_literals() {
        let template = Template::parse("{$.a} {$.b}").unwrap();
        assert_eq!(template.parts().len(), 3);
        assert_eq!(template.parts()[1], TemplatePart::Literal(" ".into()));
        assert_eq!(template.elements().count(), 2);
    }

    #[test]
    fn double_braces_are_literal() {
        let template = Template::parse("{{x}} {$.a}").unwrap();
        assert_eq!(template.parts()[0], TemplatePart::Literal("{x} ".into()));
    }

    #[test]
    fn errors_name_the_template() {
        assert!(matches!(
            Template::parse("{$.a"),
            Err(TemplateError::Unclosed(_))
        ));
        assert!(matches!(
            Template::parse("a}"),
            Err(TemplateError::Unopened(_))
        ));
        assert!(matches!(
            Template::parse("{a.b}"),
            Err(TemplateError::Path { .. })
        ));
        assert!(matches!(
            Template::parse("plain"),
            Err(TemplateError::NoElement(_))
        ));
    }
}
