//! The enumerations of the domain, spelled as the regulations spell them (lower snake case
//! Indonesian terms, see GLOSSARY.md). Each is defined once here with its wire spelling.

use serde::{Deserialize, Serialize};

/// Declares a closed enumeration with its snake_case wire spelling, `ALL`, `as_str` and `FromStr`.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The accepted spellings, for error messages.
            pub fn expected() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::kinds::UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(crate::kinds::UnknownValue {
                        value: other.to_string(),
                        expected: Self::expected(),
                    }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use string_enum;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{value}' is not one of: {expected}")]
pub struct UnknownValue {
    pub value: String,
    pub expected: String,
}

string_enum! {
    /// Who a login is. Supervision rights come from the employee tree, not from this.
    Role { Staff = "staff", Supervisor = "supervisor", Leader = "leader", Hr = "hr", Admin = "admin" }
}

string_enum! {
    /// PermenPANRB 38/2017: managerial, socio-cultural and technical competencies.
    CompetencyKind { Manajerial = "manajerial", SosialKultural = "sosial_kultural", Teknis = "teknis" }
}

string_enum! {
    /// UU 20/2023 and PP 11/2017 position kinds.
    PositionKind {
        JptUtama = "jpt_utama",
        JptMadya = "jpt_madya",
        JptPratama = "jpt_pratama",
        Administrator = "administrator",
        Pengawas = "pengawas",
        Pelaksana = "pelaksana",
        Fungsional = "fungsional",
    }
}

string_enum! {
    /// Potential from assessment (PermenPANRB 3/2020), the vertical axis of the talent grid.
    Potential { Rendah = "rendah", Menengah = "menengah", Tinggi = "tinggi" }
}

string_enum! {
    /// Forms of competency development, PP 11/2017 art. 210 (classroom) and art. 211 (non-classroom).
    ProgramForm {
        PelatihanStruktural = "pelatihan_struktural",
        PelatihanManajerial = "pelatihan_manajerial",
        PelatihanTeknis = "pelatihan_teknis",
        PelatihanFungsional = "pelatihan_fungsional",
        PelatihanSosialKultural = "pelatihan_sosial_kultural",
        Seminar = "seminar",
        Workshop = "workshop",
        Kursus = "kursus",
        Penataran = "penataran",
        BimbinganTeknis = "bimbingan_teknis",
        Sosialisasi = "sosialisasi",
        Coaching = "coaching",
        Mentoring = "mentoring",
        ELearning = "e_learning",
        PelatihanJarakJauh = "pelatihan_jarak_jauh",
        Detasering = "detasering",
        PembelajaranAlamTerbuka = "pembelajaran_alam_terbuka",
        PatokBanding = "patok_banding",
        PertukaranPegawai = "pertukaran_pegawai",
        BelajarMandiri = "belajar_mandiri",
        KomunitasBelajar = "komunitas_belajar",
        BimbinganDiTempatKerja = "bimbingan_di_tempat_kerja",
        Magang = "magang",
    }
}

impl ProgramForm {
    /// Classroom (klasikal) forms, PP 11/2017 art. 210; the rest are non-classroom (art. 211).
    pub fn is_classroom(self) -> bool {
        use ProgramForm::*;
        matches!(
            self,
            PelatihanStruktural
                | PelatihanManajerial
                | PelatihanTeknis
                | PelatihanFungsional
                | PelatihanSosialKultural
                | Seminar
                | Workshop
                | Kursus
                | Penataran
                | BimbinganTeknis
                | Sosialisasi
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        for form in ProgramForm::ALL {
            assert_eq!(form.as_str().parse::<ProgramForm>().unwrap(), *form);
            let json = serde_json::to_string(form).unwrap();
            assert_eq!(json, format!("\"{}\"", form.as_str()));
        }
        assert_eq!(ProgramForm::ALL.len(), 23);
        assert_eq!(
            ProgramForm::ALL.iter().filter(|f| f.is_classroom()).count(),
            11
        );
        let err = "boss".parse::<Role>().unwrap_err();
        assert_eq!(err.expected, "staff, supervisor, leader, hr, admin");
    }
}
