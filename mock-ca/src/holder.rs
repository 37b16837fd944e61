//! The people on the cards: the personal data the signature certificate carries.

use time::{Date, Month, OffsetDateTime, Time, UtcOffset};

/// 性別 as the JPKI otherName encodes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gender {
    /// 1.
    Male,
    /// 2.
    Female,
    /// 3.
    Unknown,
}

impl Gender {
    /// The one-digit code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Male => "1",
            Self::Female => "2",
            Self::Unknown => "3",
        }
    }
}

/// A card holder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holder {
    /// 氏名: family and given name separated by an ideographic space.
    pub name: String,
    /// 生年月日.
    pub birth_date: Date,
    /// 性別.
    pub gender: Gender,
    /// 住所, from the prefecture on.
    pub address: String,
    /// The prefecture as the signature certificate's first L (romanised).
    pub prefecture: String,
    /// The municipality as its second L (romanised).
    pub municipality: String,
}

impl Holder {
    /// 生年月日 as `EYYYYMMDD`: the era digit (1 明治, 2 大正, 3 昭和, 4 平成, 5 令和), then the
    /// Gregorian date.
    pub fn birth_date_code(&self) -> String {
        let d = self.birth_date;
        let era = match (d.year(), u8::from(d.month()), d.day()) {
            (y, m, day) if (y, m, day) < (1912, 7, 30) => 1,
            (y, m, day) if (y, m, day) < (1926, 12, 25) => 2,
            (y, m, day) if (y, m, day) < (1989, 1, 8) => 3,
            (y, m, day) if (y, m, day) < (2019, 5, 1) => 4,
            _ => 5,
        };
        format!(
            "{era}{:04}{:02}{:02}",
            d.year(),
            u8::from(d.month()),
            d.day()
        )
    }

    /// 氏名代替文字の使用位置: one `0` per character (no substitute characters used).
    pub fn name_substitutes(&self) -> String {
        "0".repeat(self.name.chars().count())
    }

    /// 住所代替文字の使用位置.
    pub fn address_substitutes(&self) -> String {
        "0".repeat(self.address.chars().count())
    }
}

/// 23:59:59 JST, the end of a JPKI validity day.
fn end_of_day_jst(date: Date) -> OffsetDateTime {
    date.with_time(Time::from_hms(23, 59, 59).unwrap_or(Time::MIDNIGHT))
        .assume_offset(UtcOffset::from_hms(9, 0, 0).unwrap_or(UtcOffset::UTC))
        .to_offset(UtcOffset::UTC)
}

/// The birthday in `year` (29 February becomes 28 February in common years).
fn birthday_in(birth: Date, year: i32) -> Date {
    Date::from_calendar_date(year, birth.month(), birth.day())
        .or_else(|_| Date::from_calendar_date(year, Month::February, 28))
        .unwrap_or(birth)
}

/// The end of validity of a certificate issued on `issued`: 23:59:59 JST on the holder's
/// fifth birthday after issue (jpki-card.md §1.6; e.g. 2025-10-27 → 2030-02-17).
pub fn fifth_birthday_after(issued: Date, birth: Date) -> OffsetDateTime {
    let this_year = birthday_in(birth, issued.year());
    let first = if this_year > issued {
        this_year
    } else {
        birthday_in(birth, issued.year() + 1)
    };
    end_of_day_jst(birthday_in(birth, first.year() + 4))
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    #[test]
    fn validity_runs_to_the_fifth_birthday_after_issue() {
        // The J-LIS test card of myna-card: issued 2025-10-27, valid to 2030-02-17.
        assert_eq!(
            fifth_birthday_after(date!(2025 - 10 - 27), date!(1990 - 02 - 17)),
            datetime!(2030-02-17 14:59:59 UTC)
        );
        // Issued on the birthday itself: that day does not count.
        assert_eq!(
            fifth_birthday_after(date!(2026 - 05 - 01), date!(1980 - 05 - 01)),
            datetime!(2031-05-01 14:59:59 UTC)
        );
        assert_eq!(
            fifth_birthday_after(date!(2026 - 01 - 10), date!(2000 - 02 - 29)),
            datetime!(2030-02-28 14:59:59 UTC)
        );
    }

    #[test]
    fn encodes_birth_dates_with_the_era() {
        let mut h = Holder {
            name: "山田　太郎".into(),
            birth_date: date!(1985 - 01 - 01),
            gender: Gender::Male,
            address: "東京都千代田区".into(),
            prefecture: "Tokyo-to".into(),
            municipality: "Chiyoda-ku".into(),
        };
        assert_eq!(h.birth_date_code(), "319850101");
        h.birth_date = date!(1989 - 01 - 08);
        assert_eq!(h.birth_date_code(), "419890108");
        h.birth_date = date!(2019 - 05 - 01);
        assert_eq!(h.birth_date_code(), "520190501");
        assert_eq!(h.name_substitutes(), "00000");
    }
}
