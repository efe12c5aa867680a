//! Competency levels 1..5 (PermenPANRB 38/2017: every competency has five levels, each described).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Level(u8);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a competency level is a whole number from 1 to 5; found {0}")]
pub struct LevelError(pub i64);

impl Level {
    pub const MIN: Level = Level(1);
    pub const MAX: Level = Level(5);

    pub fn new(value: i64) -> Result<Self, LevelError> {
        if (1..=5).contains(&value) {
            Ok(Level(value as u8))
        } else {
            Err(LevelError(value))
        }
    }

    /// A level read back from Jenjang's own store (checked on the way in; clamped to be safe).
    pub fn from_stored(value: i16) -> Self {
        Level(value.clamp(1, 5) as u8)
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl<'de> Deserialize<'de> for Level {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = i64::deserialize(d)?;
        Level::new(v).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_one_to_five() {
        for v in 1..=5 {
            assert_eq!(Level::new(v).unwrap().get() as i64, v);
        }
        for v in [-1, 0, 6, 100] {
            assert_eq!(Level::new(v), Err(LevelError(v)));
        }
    }
}
