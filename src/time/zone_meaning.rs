//! Zones by meaning: a US city or state that is not an IANA zone name, answered with the zone
//! its clocks keep (`America/Minneapolis` is Central time: `America/Chicago`), where spelling
//! alone would offer `America/Indianapolis`.

/// The IANA zone for an unknown zone name whose last part is a US city or state (any case,
/// spaces or underscores), e.g. `America/Minneapolis` or `Texas`.
pub fn zone_meant_by(name: &str) -> Option<&'static str> {
    let place = name.rsplit('/').next().unwrap_or(name);
    let place = place.replace(['_', '-'], " ").to_ascii_lowercase();
    PLACES
        .iter()
        .find(|(names, _)| names.split(',').any(|n| n == place))
        .map(|(_, zone)| *zone)
}

/// Places, comma-separated, and the zone they keep. States split between zones name the zone
/// most of their people keep.
const PLACES: &[(&str, &str)] = &[
    (
        "minneapolis,st paul,saint paul,minnesota,wisconsin,milwaukee,madison,illinois,\
         st louis,saint louis,missouri,kansas city,iowa,des moines,dallas,houston,austin,\
         san antonio,fort worth,texas,oklahoma,oklahoma city,tulsa,new orleans,louisiana,\
         arkansas,little rock,memphis,nashville,tennessee,alabama,birmingham,montgomery,\
         mississippi,jackson,omaha,nebraska,kansas,wichita,fargo,north dakota,sioux falls,\
         south dakota,central",
        "America/Chicago",
    ),
    (
        "boston,massachusetts,philadelphia,pennsylvania,pittsburgh,atlanta,georgia,miami,\
         orlando,tampa,florida,charlotte,raleigh,north carolina,south carolina,columbia,\
         virginia,richmond,washington dc,washington d.c.,dc,baltimore,maryland,newark,\
         new jersey,connecticut,hartford,cleveland,columbus,cincinnati,ohio,buffalo,albany,\
         new york state,maine,portland maine,vermont,new hampshire,rhode island,providence,\
         delaware,west virginia,indiana,michigan,eastern",
        "America/New_York",
    ),
    (
        "denver,colorado,salt lake city,utah,albuquerque,new mexico,boise,idaho,wyoming,\
         cheyenne,montana,billings,el paso,mountain",
        "America/Denver",
    ),
    ("phoenix,tucson,arizona", "America/Phoenix"),
    (
        "san francisco,san diego,san jose,sacramento,california,seattle,washington,\
         portland,oregon,las vegas,nevada,reno,pacific",
        "America/Los_Angeles",
    ),
    ("detroit", "America/Detroit"),
    ("anchorage,alaska", "America/Anchorage"),
    ("honolulu,hawaii", "Pacific/Honolulu"),
];

#[cfg(test)]
mod tests {
    use super::zone_meant_by;

    #[test]
    fn cities_and_states_name_the_zone_they_keep() {
        assert_eq!(
            zone_meant_by("America/Minneapolis"),
            Some("America/Chicago")
        );
        assert_eq!(
            zone_meant_by("America/Salt_Lake_City"),
            Some("America/Denver")
        );
        assert_eq!(zone_meant_by("Texas"), Some("America/Chicago"));
        assert_eq!(zone_meant_by("US/Hawaii"), Some("Pacific/Honolulu"));
        assert_eq!(zone_meant_by("America/Chicagoo"), None);
    }
}
