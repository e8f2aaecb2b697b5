use super::*;

/// `country_code(name)`: a country's ISO 3166-1 alpha-2 code, which Field Nation's
/// `location.country` takes, from the names Autotask's free-text Country field holds.
pub struct CountryCode;

#[derive(Debug)]
struct CountryCodeCall;

const PARAMS: &[Param] = &[Param::text("name")];

impl Function for CountryCode {
    fn name(&self) -> &'static str {
        "country_code"
    }
    fn params(&self) -> &'static [Param] {
        PARAMS
    }
    fn returns(&self) -> Type {
        Type::String
    }
    fn summary(&self) -> &'static str {
        "the ISO 3166 two-letter code of a country name (\"United States\" → \"US\"); a \
         two-letter code is kept; an unknown name fails"
    }
    fn examples(&self) -> &'static [Example] {
        &[
            Example {
                source: r#"country_code("United States")"#,
                result: r#""US""#,
            },
            Example {
                source: r#"country_code("ca")"#,
                result: r#""CA""#,
            },
        ]
    }
    fn prepare(&self, _: &[ArgInfo]) -> Result<Arc<dyn Call>, ArgError> {
        Ok(Arc::new(CountryCodeCall))
    }
}

impl Call for CountryCodeCall {
    fn call<'a>(&self, args: &mut [Value<'a>], _: &mut CallEnv) -> Result<Value<'a>, Failure> {
        let text = match &args[0] {
            Value::Null => return Ok(Value::Null),
            Value::Str(s) => s.to_string(),
            v => v.to_string(),
        };
        match code_of(&text) {
            Some(code) => Ok(Value::str(code.to_string())),
            None => Err(Failure::Function(format!(
                "{text:?} is not a country name country_code knows; write its ISO 3166 \
                 two-letter code (\"US\", \"CA\") or map it with a table"
            ))),
        }
    }
}

/// The code for a name (any case, dots and extra spaces ignored), or a two-letter code as is.
fn code_of(text: &str) -> Option<&'static str> {
    let key: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('.', "")
        .to_ascii_lowercase();
    if key.is_empty() {
        return None;
    }
    COUNTRIES
        .iter()
        .find(|(code, names)| code.eq_ignore_ascii_case(&key) || names.split(',').any(|n| n == key))
        .map(|(code, _)| *code)
}

/// ISO 3166-1 alpha-2 codes of the countries Field Nation works in and their neighbours, with
/// the names and abbreviations people type.
const COUNTRIES: &[(&str, &str)] = &[
    (
        "US",
        "united states,united states of america,usa,us of a,america,u s,u s a",
    ),
    ("CA", "canada,can"),
    ("MX", "mexico,méxico,mex"),
    (
        "GB",
        "united kingdom,uk,great britain,britain,england,scotland,wales,northern ireland,gbr",
    ),
    ("IE", "ireland,republic of ireland,irl"),
    ("PR", "puerto rico"),
    ("AU", "australia,aus"),
    ("NZ", "new zealand"),
    ("DE", "germany,deutschland,deu"),
    ("FR", "france,fra"),
    ("ES", "spain,españa,esp"),
    ("IT", "italy,italia,ita"),
    ("NL", "netherlands,the netherlands,holland,nld"),
    ("BE", "belgium,bel"),
    ("CH", "switzerland,che"),
    ("AT", "austria,aut"),
    ("SE", "sweden,swe"),
    ("NO", "norway,nor"),
    ("DK", "denmark,dnk"),
    ("FI", "finland,fin"),
    ("PL", "poland,pol"),
    ("PT", "portugal,prt"),
    ("IN", "india,ind"),
    ("JP", "japan,jpn"),
    ("CN", "china,chn"),
    ("SG", "singapore,sgp"),
    ("PH", "philippines,phl"),
    ("BR", "brazil,brasil,bra"),
    ("AR", "argentina,arg"),
    ("CO", "colombia,col"),
    ("CL", "chile,chl"),
    ("ZA", "south africa,zaf"),
    ("IL", "israel,isr"),
    ("AE", "united arab emirates,uae,are"),
];

#[cfg(test)]
mod tests {
    use super::code_of;

    #[test]
    fn names_codes_and_unknowns() {
        assert_eq!(code_of("United States"), Some("US"));
        assert_eq!(code_of("  U.S.A. "), Some("US"));
        assert_eq!(code_of("united  kingdom"), Some("GB"));
        assert_eq!(code_of("ca"), Some("CA"));
        assert_eq!(code_of("Untied States"), None);
        assert_eq!(code_of(""), None);
    }
}
