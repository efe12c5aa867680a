//! Predikat kinerja: the rating of an evaluation (PermenPANRB 6/2022, Lampiran: matriks predikat
//! kinerja pegawai). It is the matrix of `hasil_kerja` × `perilaku_kerja`, never an average.

use crate::kinds::string_enum;
use serde::{Deserialize, Serialize};

string_enum! {
    /// A rating of work results or work behaviour against expectations.
    Ekspektasi {
        DiBawah = "di_bawah_ekspektasi",
        Sesuai = "sesuai_ekspektasi",
        DiAtas = "di_atas_ekspektasi",
    }
}

string_enum! {
    /// The employee's performance rating, declared low to high so that `Ord` is the regulation's
    /// order: sangat_kurang < kurang < butuh_perbaikan < baik < sangat_baik.
    Predikat {
        SangatKurang = "sangat_kurang",
        Kurang = "kurang",
        ButuhPerbaikan = "butuh_perbaikan",
        Baik = "baik",
        SangatBaik = "sangat_baik",
    }
}

/// The matrix of PermenPANRB 6/2022. Rows are hasil kerja, columns perilaku kerja.
pub fn predikat(hasil_kerja: Ekspektasi, perilaku_kerja: Ekspektasi) -> Predikat {
    use Ekspektasi::*;
    use Predikat::*;
    match (hasil_kerja, perilaku_kerja) {
        (DiAtas, DiBawah) => Kurang,
        (DiAtas, Sesuai) => Baik,
        (DiAtas, DiAtas) => SangatBaik,
        (Sesuai, DiBawah) => Kurang,
        (Sesuai, Sesuai) => Baik,
        (Sesuai, DiAtas) => Baik,
        (DiBawah, DiBawah) => SangatKurang,
        (DiBawah, Sesuai) => ButuhPerbaikan,
        (DiBawah, DiAtas) => ButuhPerbaikan,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ekspektasi::*;
    use Predikat::*;

    #[test]
    fn all_nine_cells_of_the_matrix() {
        let table = [
            (DiAtas, DiBawah, Kurang),
            (DiAtas, Sesuai, Baik),
            (DiAtas, DiAtas, SangatBaik),
            (Sesuai, DiBawah, Kurang),
            (Sesuai, Sesuai, Baik),
            (Sesuai, DiAtas, Baik),
            (DiBawah, DiBawah, SangatKurang),
            (DiBawah, Sesuai, ButuhPerbaikan),
            (DiBawah, DiAtas, ButuhPerbaikan),
        ];
        for (hasil, perilaku, expected) in table {
            assert_eq!(predikat(hasil, perilaku), expected, "{hasil} × {perilaku}");
        }
    }

    #[test]
    fn order_is_the_regulations() {
        assert!(SangatKurang < Kurang);
        assert!(Kurang < ButuhPerbaikan);
        assert!(ButuhPerbaikan < Baik);
        assert!(Baik < SangatBaik);
    }
}
