#!/usr/bin/env python3
"""Writes the Bulungan demo dataset into seeds/demo/ (deterministic; rerun after editing).

The dataset is fictional: a believable regency, its units, positions with competency standards,
the managerial/socio-cultural dictionary of PermenPANRB 38/2017, technical competencies with
prerequisites, development programs, about 300 employees with valid NIPs and assessments.
"""
import csv, json, os, random

random.seed(2026)
OUT = os.path.join(os.path.dirname(__file__), "..", "seeds", "demo")
os.makedirs(OUT, exist_ok=True)

# --- the managerial and socio-cultural dictionary (PermenPANRB 38/2017) -----------------------
MANAGERIAL = [
    ("M.1", "Integritas", ["Mampu bertindak sesuai nilai, norma dan etika organisasi dalam kapasitas pribadi",
        "Mampu mengingatkan dan mengajak rekan kerja untuk bertindak sesuai nilai, norma dan etika organisasi",
        "Mampu memastikan, menanamkan keyakinan bersama agar anggota yang dipimpin bertindak sesuai nilai, norma dan etika organisasi",
        "Mampu menciptakan situasi kerja yang membuat rekan kerja konsisten mempertahankan integritas",
        "Mampu menjadi role model dalam penerapan standar keadilan dan etika di tingkat nasional"]),
    ("M.2", "Kerja Sama", ["Berpartisipasi sebagai anggota tim yang baik",
        "Menumbuhkan tim kerja yang partisipatif dan efektif", "Efektif membangun tim kerja untuk peningkatan kinerja organisasi",
        "Membangun komitmen tim dan sinergi", "Menciptakan situasi kerja sama secara konsisten, baik di dalam maupun di luar instansi"]),
    ("M.3", "Komunikasi", ["Menyampaikan informasi dengan jelas, lengkap, pemahaman yang sama",
        "Aktif menjalankan komunikasi secara formal dan informal; bersedia mendengarkan orang lain",
        "Berkomunikasi secara asertif, terampil berkomunikasi lisan maupun tertulis untuk menyampaikan informasi yang sensitif/rumit/kompleks",
        "Mampu mengemukakan pemikiran multidimensi secara lisan dan tertulis untuk mendorong kesepakatan",
        "Menggagas sistem komunikasi yang terbuka secara strategis untuk mencari solusi"]),
    ("M.4", "Orientasi pada Hasil", ["Bertanggung jawab untuk memenuhi standar kerja",
        "Berupaya meningkatkan hasil kerja pribadi yang lebih tinggi dari standar yang ditetapkan",
        "Menetapkan target kerja yang menantang bagi unit kerja, memberi apresiasi dan teguran untuk mendorong kinerja",
        "Mendorong unit kerja mencapai target yang ditetapkan atau melebihi hasil kerja sebelumnya",
        "Kemampuan menyusun kebijakan kinerja organisasi yang berdampak strategis"]),
    ("M.5", "Pelayanan Publik", ["Menjalankan tugas mengikuti standar pelayanan",
        "Mampu mensupervisi/mengawasi/menyelia dan menjelaskan proses pelaksanaan tugas pelayanan publik",
        "Mampu memanfaatkan kekuatan kelompok serta memperbaiki standar pelayanan publik di lingkup unit kerja",
        "Mampu memonitor, mengevaluasi, memperhitungkan dan mengantisipasi dampak dari isu jangka panjang",
        "Mampu memastikan kebijakan pelayanan publik yang menjamin terselenggaranya pelayanan publik yang objektif, netral, tidak memihak"]),
    ("M.6", "Pengembangan Diri dan Orang Lain", ["Pengembangan diri", "Meningkatkan kemampuan bawahan dengan memberikan contoh dan penjelasan cara melaksanakan suatu pekerjaan",
        "Memberikan umpan balik, membimbing", "Menyusun program pengembangan jangka panjang dalam rangka mendorong manajemen pembelajaran",
        "Menciptakan situasi yang mendorong organisasi untuk mengembangkan kemampuan belajar secara berkelanjutan"]),
    ("M.7", "Mengelola Perubahan", ["Mengikuti perubahan dengan arahan", "Proaktif beradaptasi mengikuti perubahan",
        "Membantu orang lain mengikuti perubahan, mengantisipasi perubahan secara tepat", "Memimpin perubahan pada unit kerja",
        "Mengarahkan perubahan strategis di tingkat organisasi"]),
    ("M.8", "Pengambilan Keputusan", ["Mengumpulkan informasi untuk bertindak sesuai kewenangan",
        "Menganalisis masalah secara mendalam", "Membandingkan berbagai alternatif, menyeimbangkan risiko keberhasilan dalam implementasi",
        "Menyelesaikan masalah yang mengandung risiko tinggi, mengantisipasi dampak keputusan, membuat tindakan pengamanan",
        "Menghasilkan solusi dan mengambil keputusan untuk mengatasi permasalahan jangka panjang/strategis"]),
]
SOSKUL = [("SK.1", "Perekat Bangsa", ["Peka memahami dan menerima kemajemukan",
        "Aktif mengembangkan sikap saling menghargai, menekankan persamaan dan persatuan",
        "Mempromosikan, mengembangkan sikap toleransi dan persatuan",
        "Mendayagunakan perbedaan secara konstruktif dan kreatif untuk meningkatkan efektivitas organisasi",
        "Wakil pemerintah untuk membangun hubungan sosial psikologis"])]

# Technical competencies: (code, name, prerequisites [(for_level, code, level)])
TEKNIS = [
    ("TK.TIK", "Literasi Digital dan Aplikasi Perkantoran", []),
    ("TK.DATA", "Analisis Data dan Statistik", [(2, "TK.TIK", 2)]),
    ("TK.SPBE", "Sistem Pemerintahan Berbasis Elektronik", [(3, "TK.TIK", 3)]),
    ("TK.ARSIP", "Pengelolaan Arsip Dinamis", []),
    ("TK.KEU", "Pengelolaan Keuangan Daerah", []),
    ("TK.PBJ", "Pengadaan Barang/Jasa Pemerintah", [(3, "TK.KEU", 2)]),
    ("TK.MPR", "Manajemen Proyek", [(2, "TK.PBJ", 2), (3, "TK.DATA", 2)]),
    ("TK.RENC", "Perencanaan dan Penganggaran", [(3, "TK.KEU", 2)]),
    ("TK.KINERJA", "Manajemen Kinerja ASN", [(3, "TK.DATA", 2)]),
    ("TK.ANJAB", "Analisis Jabatan dan Beban Kerja", [(3, "TK.KINERJA", 2)]),
    ("TK.SDM", "Manajemen Talenta dan Pengembangan SDM", [(2, "TK.KINERJA", 2)]),
    ("TK.HUKUM", "Penyusunan Produk Hukum Daerah", []),
    ("TK.YANKES", "Pelayanan Kesehatan Primer", []),
    ("TK.EPID", "Surveilans Epidemiologi", [(3, "TK.DATA", 2)]),
    ("TK.GIZI", "Gizi Masyarakat dan Penurunan Stunting", [(3, "TK.YANKES", 2)]),
    ("TK.KURIK", "Pengembangan Kurikulum", []),
    ("TK.SUPERV", "Supervisi Akademik", [(3, "TK.KURIK", 3)]),
    ("TK.JALAN", "Perencanaan Teknis Jalan dan Jembatan", []),
    ("TK.SDA", "Pengelolaan Sumber Daya Air", []),
    ("TK.TARU", "Penataan Ruang", [(3, "TK.JALAN", 2)]),
    ("TK.AMDAL", "Kajian Dampak Lingkungan", []),
    ("TK.SAMPAH", "Pengelolaan Sampah dan Limbah", [(3, "TK.AMDAL", 2)]),
    ("TK.IZIN", "Pelayanan Perizinan Berusaha (OSS-RBA)", []),
    ("TK.INVEST", "Promosi dan Fasilitasi Investasi", [(3, "TK.IZIN", 2)]),
    ("TK.PENGADUAN", "Pengelolaan Pengaduan Masyarakat", []),
]
LEVEL_WORDS = ["dasar: mengenal konsep dan mengikuti prosedur dengan bimbingan",
               "menerapkan prosedur secara mandiri pada tugas rutin",
               "menganalisis dan memecahkan masalah pada tugas yang bervariasi",
               "mengembangkan metode dan membimbing orang lain",
               "merumuskan kebijakan dan menjadi rujukan"]

competencies = []
for code, name, levels in MANAGERIAL:
    competencies.append({"code": code, "name": name, "kind": "manajerial",
                         "levels": [{"level": i + 1, "description": d} for i, d in enumerate(levels)], "prerequisites": []})
for code, name, levels in SOSKUL:
    competencies.append({"code": code, "name": name, "kind": "sosial_kultural",
                         "levels": [{"level": i + 1, "description": d} for i, d in enumerate(levels)], "prerequisites": []})
for code, name, pre in TEKNIS:
    competencies.append({"code": code, "name": name, "kind": "teknis",
                         "levels": [{"level": i + 1, "description": f"{name}, level {i + 1}: {w}"} for i, w in enumerate(LEVEL_WORDS)],
                         "prerequisites": [{"for_level": f, "competency": c, "level": l} for f, c, l in pre]})
json.dump(competencies, open(os.path.join(OUT, "competencies.json"), "w"), ensure_ascii=False, indent=1)

# --- units ------------------------------------------------------------------------------------
DINAS = [
    ("SETDA", "Sekretariat Daerah", [("PEM", "Bagian Pemerintahan", "Subbagian Administrasi Pemerintahan"), ("ORG", "Bagian Organisasi", "Subbagian Kelembagaan dan Analisis Jabatan")]),
    ("BKPSDM", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", [("MUT", "Bidang Mutasi dan Promosi", "Subbidang Promosi dan Kepangkatan"), ("PKA", "Bidang Pengembangan Kompetensi Aparatur", "Subbidang Pengembangan Kompetensi Teknis")]),
    ("DINKES", "Dinas Kesehatan", [("YANKES", "Bidang Pelayanan Kesehatan", "Seksi Pelayanan Kesehatan Primer"), ("P2P", "Bidang Pencegahan dan Pengendalian Penyakit", "Seksi Surveilans dan Imunisasi")]),
    ("DISDIK", "Dinas Pendidikan", [("SD", "Bidang Pembinaan Sekolah Dasar", "Seksi Kurikulum SD"), ("GTK", "Bidang Guru dan Tenaga Kependidikan", "Seksi Pengembangan Karier GTK")]),
    ("DPUPR", "Dinas Pekerjaan Umum dan Penataan Ruang", [("BM", "Bidang Bina Marga", "Seksi Pembangunan Jalan dan Jembatan"), ("SDA", "Bidang Sumber Daya Air", "Seksi Irigasi")]),
    ("DLH", "Dinas Lingkungan Hidup", [("PPKL", "Bidang Pengendalian Pencemaran dan Kerusakan Lingkungan", "Seksi Pemantauan Lingkungan"), ("PSL", "Bidang Pengelolaan Sampah dan Limbah B3", "Seksi Pengurangan Sampah")]),
    ("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", [("YAN", "Bidang Pelayanan Perizinan", "Seksi Pelayanan Front Office"), ("PM", "Bidang Penanaman Modal", "Seksi Promosi Investasi")]),
]
ROOT = "PEMKAB-BLG"
units = [(ROOT, "Pemerintah Kabupaten Bulungan", "")]
for code, name, bidangs in DINAS:
    units.append((code, name, ROOT))
    for bcode, bname, sname in bidangs:
        units.append((f"{code}-{bcode}", bname, code))
        units.append((f"{code}-{bcode}-1", sname, f"{code}-{bcode}"))

# --- positions --------------------------------------------------------------------------------
MAN = ["M.1", "M.2", "M.3", "M.4", "M.5", "M.6", "M.7", "M.8", "SK.1"]
def man_req(levels):
    return [{"competency": c, "level": l} for c, l in zip(MAN, levels)]
positions = []
# The lowest rank a holder of a structural position may have.
MIN_GOLONGAN = {"jpt_pratama": "IV/a", "administrator": "III/d", "pengawas": "III/c"}
def position(code, name, kind, unit, man, tech):
    p = {"code": code, "name": name, "kind": kind, "unit": unit,
         "requirements": man_req(man) + [{"competency": c, "level": l} for c, l in tech]}
    if kind in MIN_GOLONGAN:
        p["min_golongan"] = "IV/c" if code == "SEKDA" else MIN_GOLONGAN[kind]
    positions.append(p)
position("SEKDA", "Sekretaris Daerah", "jpt_pratama", ROOT, [5, 4, 4, 4, 4, 4, 4, 4, 4], [("TK.RENC", 4), ("TK.HUKUM", 3)])
JPT = [4, 4, 4, 4, 4, 3, 4, 4, 4]; ADM = [3, 3, 3, 3, 3, 3, 3, 3, 3]; PGW = [3, 3, 3, 3, 3, 2, 2, 3, 3]; PLK = [2, 2, 2, 2, 2, 2, 2, 2, 2]
TECH_BY_DINAS = {
    "SETDA": [("TK.HUKUM", 3), ("TK.ANJAB", 3), ("TK.ARSIP", 2)],
    "BKPSDM": [("TK.KINERJA", 3), ("TK.SDM", 3), ("TK.ANJAB", 2)],
    "DINKES": [("TK.YANKES", 3), ("TK.EPID", 3), ("TK.GIZI", 2)],
    "DISDIK": [("TK.KURIK", 3), ("TK.SUPERV", 3), ("TK.DATA", 2)],
    "DPUPR": [("TK.JALAN", 3), ("TK.MPR", 3), ("TK.PBJ", 2)],
    "DLH": [("TK.AMDAL", 3), ("TK.SAMPAH", 3), ("TK.DATA", 2)],
    "DPMPTSP": [("TK.IZIN", 3), ("TK.INVEST", 2), ("TK.PENGADUAN", 3)],
}
STAFF_POSITIONS = {
    "SETDA": [("ANALIS-KEBIJAKAN", "Analis Kebijakan", "fungsional", [("TK.HUKUM", 3), ("TK.DATA", 2)]),
              ("PENGADM-UMUM", "Pengadministrasi Umum", "pelaksana", [("TK.ARSIP", 2), ("TK.TIK", 2)])],
    "BKPSDM": [("ANALIS-SDM", "Analis Sumber Daya Manusia Aparatur", "fungsional", [("TK.KINERJA", 3), ("TK.SDM", 3), ("TK.DATA", 2)]),
               ("PRANATA-KOMPUTER", "Pranata Komputer", "fungsional", [("TK.SPBE", 3), ("TK.TIK", 3)])],
    "DINKES": [("DOKTER", "Dokter Ahli Pertama", "fungsional", [("TK.YANKES", 3), ("TK.EPID", 2)]),
               ("PERAWAT", "Perawat Terampil", "fungsional", [("TK.YANKES", 3)]),
               ("EPIDEMIOLOG", "Epidemiolog Kesehatan", "fungsional", [("TK.EPID", 3), ("TK.DATA", 3)]),
               ("NUTRISIONIS", "Nutrisionis", "fungsional", [("TK.GIZI", 3), ("TK.YANKES", 2)])],
    "DISDIK": [("PENGAWAS-SEKOLAH", "Pengawas Sekolah", "fungsional", [("TK.SUPERV", 3), ("TK.KURIK", 3)]),
               ("PENGEMBANG-TP", "Pengembang Teknologi Pembelajaran", "fungsional", [("TK.KURIK", 2), ("TK.TIK", 3)])],
    "DPUPR": [("TEKNIK-JALAN", "Teknik Jalan dan Jembatan", "fungsional", [("TK.JALAN", 3), ("TK.MPR", 2)]),
              ("TEKNIK-SDA", "Teknik Pengairan", "fungsional", [("TK.SDA", 3), ("TK.MPR", 2)]),
              ("PENGELOLA-PBJ", "Pengelola Pengadaan Barang/Jasa", "fungsional", [("TK.PBJ", 3), ("TK.KEU", 2)])],
    "DLH": [("PENGENDALI-DAMPAK", "Pengendali Dampak Lingkungan", "fungsional", [("TK.AMDAL", 3), ("TK.DATA", 2)]),
            ("PENGELOLA-SAMPAH", "Pengelola Persampahan", "pelaksana", [("TK.SAMPAH", 2)])],
    "DPMPTSP": [("PENATA-PERIZINAN", "Penata Perizinan", "fungsional", [("TK.IZIN", 3), ("TK.PENGADUAN", 3), ("TK.TIK", 2)]),
                ("PETUGAS-FO", "Petugas Pelayanan Front Office", "pelaksana", [("TK.IZIN", 2), ("TK.PENGADUAN", 2)])],
}
for code, name, bidangs in DINAS:
    head = "Kepala Badan" if code == "BKPSDM" else ("Asisten Administrasi Umum" if code == "SETDA" else "Kepala Dinas")
    position(f"KADIS-{code}", f"{head} {name}" if code != "SETDA" else head, "jpt_pratama", code, JPT, TECH_BY_DINAS[code][:2])
    position(f"KABID-{code}", f"Kepala Bidang ({name})", "administrator", code, ADM, TECH_BY_DINAS[code])
    position(f"KASI-{code}", f"Kepala Seksi/Subbidang ({name})", "pengawas", code, PGW, TECH_BY_DINAS[code])
    for pcode, pname, kind, tech in STAFF_POSITIONS[code]:
        position(pcode, pname, kind, code, PLK, tech)
position("BENDAHARA", "Bendahara Pengeluaran", "pelaksana", None, PLK, [("TK.KEU", 3), ("TK.TIK", 2)])
json.dump(positions, open(os.path.join(OUT, "positions.json"), "w"), ensure_ascii=False, indent=1)

# --- programs ---------------------------------------------------------------------------------
programs = []
def program(code, title, form, jp, cost, provider, capacity, develops, requires=()):
    programs.append({"code": code, "title": title, "form": form, "jp": jp, "cost_idr": cost, "provider": provider,
                     "capacity": capacity, "develops": [{"competency": c, "to_level": l} for c, l in develops],
                     "requires": [{"competency": c, "level": l} for c, l in requires]})
program("PKN-II", "Pelatihan Kepemimpinan Nasional Tingkat II", "pelatihan_struktural", 300, 45_000_000, "LAN RI", 30, [("M.4", 4), ("M.7", 4), ("M.8", 4)], [("M.4", 3)])
program("PKA", "Pelatihan Kepemimpinan Administrator", "pelatihan_struktural", 250, 30_000_000, "BPSDM Provinsi Kalimantan Utara", 30, [("M.2", 3), ("M.4", 3), ("M.7", 3), ("M.8", 3)], [("M.4", 2)])
program("PKP", "Pelatihan Kepemimpinan Pengawas", "pelatihan_struktural", 200, 20_000_000, "BPSDM Provinsi Kalimantan Utara", 30, [("M.2", 3), ("M.3", 3), ("M.6", 3)])
program("LATSAR", "Pelatihan Dasar CPNS", "pelatihan_struktural", 240, 12_000_000, "BPSDM Provinsi Kalimantan Utara", 40, [("M.1", 2), ("SK.1", 2), ("M.5", 2)])
program("EL-INTEG", "E-Learning Integritas dan Antikorupsi", "e_learning", 10, 0, "ACLC KPK", None, [("M.1", 3)])
program("EL-BERAKHLAK", "E-Learning Nilai Dasar BerAKHLAK", "e_learning", 8, 0, "LAN RI (ASN Unggul)", None, [("M.1", 2), ("SK.1", 2)])
program("WS-KOMUNIKASI", "Workshop Komunikasi Efektif dan Public Speaking", "workshop", 24, 3_500_000, "BKPSDM Kabupaten Bulungan", 30, [("M.3", 3)])
program("COACH-KINERJA", "Coaching Kinerja oleh Atasan Langsung", "coaching", 6, 0, "Atasan langsung", None, [("M.4", 3), ("M.6", 2)])
program("MENTOR-KARIR", "Mentoring Pengembangan Karier", "mentoring", 8, 0, "BKPSDM Kabupaten Bulungan", 20, [("M.6", 3)])
program("WS-TIM", "Workshop Membangun Kerja Sama Tim", "workshop", 16, 1_500_000, "BKPSDM Kabupaten Bulungan", 30, [("M.2", 3)])
program("EL-KEPUTUSAN", "E-Learning Pengambilan Keputusan Berbasis Data", "e_learning", 10, 0, "LAN RI (ASN Unggul)", None, [("M.8", 2)])
program("BDT-KEPUTUSAN", "Bimbingan di Tempat Kerja Analisis Masalah dan Keputusan", "bimbingan_di_tempat_kerja", 12, 0, "Atasan langsung", None, [("M.8", 3)], [("M.8", 2)])
program("KURSUS-YANPUB", "Kursus Standar Pelayanan Publik dan SKM", "kursus", 16, 2_000_000, "Ombudsman RI Perwakilan Kaltara", 25, [("M.5", 3), ("TK.PENGADUAN", 2)])
program("BIMTEK-PENGADUAN", "Bimtek Pengelolaan Pengaduan SP4N-LAPOR!", "bimbingan_teknis", 16, 2_500_000, "Kementerian PANRB", 30, [("TK.PENGADUAN", 3)], [("TK.PENGADUAN", 2)])
program("KOMBEL-PERUBAHAN", "Komunitas Belajar Agen Perubahan", "komunitas_belajar", 12, 0, "BKPSDM Kabupaten Bulungan", 20, [("M.7", 3)])
program("SEMINAR-INOVASI", "Seminar Inovasi Pelayanan Publik", "seminar", 8, 750_000, "Bappeda Litbang Bulungan", 100, [("M.7", 2)])
program("PATOK-BANDING-MPP", "Patok Banding Mal Pelayanan Publik", "patok_banding", 16, 8_000_000, "DPMPTSP Kota Samarinda", 10, [("M.5", 4), ("TK.IZIN", 3)], [("M.5", 3)])
program("EL-TIK", "E-Learning Literasi Digital ASN", "e_learning", 10, 0, "Kementerian Kominfo (Digital Talent)", None, [("TK.TIK", 2)])
program("PLT-TIK-LANJUT", "Pelatihan Aplikasi Perkantoran Tingkat Lanjut", "pelatihan_teknis", 30, 2_500_000, "BKPSDM Kabupaten Bulungan", 25, [("TK.TIK", 3)], [("TK.TIK", 2)])
program("PLT-DATA", "Pelatihan Analisis Data untuk Kebijakan", "pelatihan_teknis", 40, 4_000_000, "BPS Kabupaten Bulungan", 25, [("TK.DATA", 3)], [("TK.TIK", 2)])
program("EL-DATA", "E-Learning Statistik Dasar", "e_learning", 12, 0, "Pusdiklat BPS", None, [("TK.DATA", 2)], [("TK.TIK", 2)])
program("BIMTEK-SPBE", "Bimtek Penerapan SPBE", "bimbingan_teknis", 24, 3_000_000, "Kementerian PANRB", 30, [("TK.SPBE", 3)], [("TK.TIK", 3)])
program("BIMTEK-ARSIP", "Bimtek Pengelolaan Arsip Dinamis", "bimbingan_teknis", 24, 2_000_000, "ANRI", 30, [("TK.ARSIP", 3)])
program("PLT-KEUDA", "Pelatihan Pengelolaan Keuangan Daerah (SIPD)", "pelatihan_teknis", 40, 3_500_000, "BPKAD Kabupaten Bulungan", 30, [("TK.KEU", 3)])
program("PLT-PBJ-DASAR", "Pelatihan Pengadaan Barang/Jasa Tingkat Dasar", "pelatihan_teknis", 32, 3_000_000, "LKPP", 30, [("TK.PBJ", 2)])
program("PLT-PBJ-LANJUT", "Pelatihan Pengadaan Barang/Jasa Tingkat Lanjut", "pelatihan_teknis", 40, 5_000_000, "LKPP", 30, [("TK.PBJ", 3)], [("TK.PBJ", 2), ("TK.KEU", 2)])
program("PLT-MPR", "Pelatihan Manajemen Proyek Infrastruktur", "pelatihan_teknis", 48, 7_500_000, "Balai Diklat PUPR Wilayah IV Banjarmasin", 25, [("TK.MPR", 3)], [("TK.PBJ", 2), ("TK.DATA", 2)])
program("EL-MPR", "E-Learning Dasar Manajemen Proyek", "e_learning", 12, 0, "Kementerian PUPR (e-Learning SIBIMA)", None, [("TK.MPR", 2)], [("TK.PBJ", 2)])
program("PLT-RENC", "Pelatihan Perencanaan dan Penganggaran Berbasis Kinerja", "pelatihan_teknis", 40, 4_000_000, "Bappenas", 30, [("TK.RENC", 3)], [("TK.KEU", 2)])
program("PLT-KINERJA", "Pelatihan Pengelolaan Kinerja ASN (e-Kinerja)", "pelatihan_teknis", 24, 2_500_000, "BKN Kantor Regional VIII", 30, [("TK.KINERJA", 3)], [("TK.DATA", 2)])
program("PLT-ANJAB", "Pelatihan Analisis Jabatan dan ABK", "pelatihan_teknis", 32, 3_500_000, "Kementerian PANRB", 25, [("TK.ANJAB", 3)], [("TK.KINERJA", 2)])
program("PLT-TALENTA", "Pelatihan Manajemen Talenta ASN", "pelatihan_fungsional", 32, 4_500_000, "BKN", 25, [("TK.SDM", 3)], [("TK.KINERJA", 2)])
program("BIMTEK-PRODUK-HUKUM", "Bimtek Penyusunan Produk Hukum Daerah", "bimbingan_teknis", 24, 3_000_000, "Kanwil Kemenkumham Kaltara", 30, [("TK.HUKUM", 3)])
program("PLT-YANKES", "Pelatihan Pelayanan Kesehatan Primer (ILP)", "pelatihan_teknis", 40, 4_000_000, "Bapelkes Provinsi Kalimantan Timur", 30, [("TK.YANKES", 3)])
program("PLT-SURVEILANS", "Pelatihan Surveilans Epidemiologi", "pelatihan_fungsional", 48, 5_000_000, "Kementerian Kesehatan", 25, [("TK.EPID", 3)], [("TK.DATA", 2)])
program("PLT-STUNTING", "Pelatihan Konvergensi Percepatan Penurunan Stunting", "pelatihan_teknis", 32, 3_000_000, "BKKBN Perwakilan Kaltara", 30, [("TK.GIZI", 3)], [("TK.YANKES", 2)])
program("PLT-KURIKULUM", "Pelatihan Implementasi Kurikulum Merdeka", "pelatihan_teknis", 32, 2_500_000, "BBPMP Kalimantan Timur", 40, [("TK.KURIK", 3)])
program("MAGANG-SUPERV", "Magang Supervisi Akademik di Sekolah Penggerak", "magang", 40, 6_000_000, "Dinas Pendidikan Kota Tarakan", 10, [("TK.SUPERV", 3)], [("TK.KURIK", 3)])
program("BIMTEK-JALAN", "Bimtek Perencanaan Teknis Jalan dan Jembatan", "bimbingan_teknis", 32, 4_000_000, "Balai Besar Pelaksanaan Jalan Nasional Kaltim", 25, [("TK.JALAN", 3)])
program("BIMTEK-SDA", "Bimtek Operasi dan Pemeliharaan Irigasi", "bimbingan_teknis", 32, 4_000_000, "BWS Kalimantan V", 25, [("TK.SDA", 3)])
program("PLT-TARU", "Pelatihan Penyusunan RDTR", "pelatihan_teknis", 40, 5_500_000, "Kementerian ATR/BPN", 20, [("TK.TARU", 3)], [("TK.JALAN", 2)])
program("PLT-AMDAL", "Pelatihan Penilai AMDAL", "pelatihan_fungsional", 48, 7_000_000, "Pusdiklat KLHK", 20, [("TK.AMDAL", 3)])
program("BIMTEK-SAMPAH", "Bimtek Pengelolaan Sampah Berbasis 3R", "bimbingan_teknis", 24, 2_500_000, "Pusdiklat KLHK", 30, [("TK.SAMPAH", 3)], [("TK.AMDAL", 2)])
program("BIMTEK-OSS", "Bimtek Perizinan Berusaha Berbasis Risiko (OSS-RBA)", "bimbingan_teknis", 24, 3_000_000, "Kementerian Investasi/BKPM", 30, [("TK.IZIN", 3)])
program("PLT-INVEST", "Pelatihan Promosi Investasi Daerah", "pelatihan_teknis", 24, 3_500_000, "Kementerian Investasi/BKPM", 25, [("TK.INVEST", 3)], [("TK.IZIN", 2)])
program("BDT-IZIN", "Bimbingan di Tempat Kerja Layanan Perizinan", "bimbingan_di_tempat_kerja", 12, 0, "DPMPTSP Kabupaten Bulungan", 5, [("TK.IZIN", 2)])
json.dump(programs, open(os.path.join(OUT, "programs.json"), "w"), ensure_ascii=False, indent=1)

# --- employees --------------------------------------------------------------------------------
MALE = ["Ahmad", "Budi", "Agus", "Andi", "Rahmat", "Hendra", "Yusuf", "Fajar", "Dedi", "Irwan", "Syahrul", "Rudi", "Arif", "Hasanuddin", "Muhammad", "Rizal", "Eko", "Joko", "Samsul", "Yohanes", "Daniel", "Markus", "Bambang", "Taufik", "Ilham", "Nur", "Firman", "Imam", "Asrul", "Darmawan"]
FEMALE = ["Siti", "Nurhayati", "Dewi", "Rina", "Sri", "Wahyuni", "Fitriani", "Lestari", "Yuliana", "Ratna", "Maria", "Rosalina", "Indah", "Mariana", "Nurul", "Ayu", "Kartini", "Dian", "Endang", "Hartini", "Sumiati", "Anita", "Rahmawati", "Novita", "Herlina", "Irma", "Suryani", "Agustina", "Ernawati", "Juwita"]
LAST = ["Saputra", "Hidayat", "Rahman", "Wijaya", "Pratama", "Kurniawan", "Siregar", "Lubis", "Nasution", "Pangaribuan", "Lalong", "Irau", "Ajang", "Lenjau", "Njau", "Tingang", "Usat", "Baya", "Hamid", "Syamsuddin", "Gani", "Tamrin", "Sulaiman", "Haryanto", "Setiawan", "Santoso", "Susanto", "Manurung", "Tambunan", "Palinggi", "Rante", "Pasolang", "Daeng", "Wulandari", "Handayani", "Permata", "Anggraini", "Puspitasari", "Ramadhani", "Safitri"]
used_nips = set(); seq = {}
def make_nip(age_band):
    while True:
        year = random.randint(*age_band); month = random.randint(1, 12); day = random.randint(1, 28)
        ay = year + random.randint(22, 30); am = random.randint(1, 12)
        ay = min(ay, 2024)
        sex = random.choice("12")
        key = (year, month, day, ay, am, sex)
        seq[key] = seq.get(key, 0) + 1
        nip = f"{year:04d}{month:02d}{day:02d}{ay:04d}{am:02d}{sex}{seq[key]:03d}"
        if nip not in used_nips:
            used_nips.add(nip); return nip, sex
def make_name(sex):
    first = random.choice(MALE if sex == "1" else FEMALE)
    return f"{first} {random.choice(LAST)}"
def potential():
    return random.choices(["rendah", "menengah", "tinggi"], [25, 50, 25])[0]

employees = []  # nip, name, position, unit, supervisor, potential
heads = {}
def employee(position, unit, supervisor, age_band):
    nip, sex = make_nip(age_band)
    employees.append((nip, make_name(sex), position, unit, supervisor or "", potential()))
    return nip
sekda = employee("SEKDA", ROOT, None, (1966, 1972)); heads[ROOT] = sekda
for code, name, bidangs in DINAS:
    kadis = employee(f"KADIS-{code}", code, sekda, (1967, 1976)); heads[code] = kadis
    staff_positions = [p[0] for p in STAFF_POSITIONS[code]]
    for bcode, _, _ in bidangs:
        b = f"{code}-{bcode}"; s = f"{b}-1"
        kabid = employee(f"KABID-{code}", b, kadis, (1970, 1982)); heads[b] = kabid
        kasi = employee(f"KASI-{code}", s, kabid, (1975, 1988)); heads[s] = kasi
        n_staff = 21 if code in ("DINKES", "DISDIK") else 19 if code in ("DPUPR", "BKPSDM") else 17
        for i in range(n_staff):
            in_seksi = i % 3 != 0
            pos = "BENDAHARA" if (i == 0 and bcode == bidangs[0][0]) else random.choice(staff_positions)
            employee(pos, s if in_seksi else b, kasi if in_seksi else kabid, (1978, 2001))
# Ranks follow the position's kind and the years since appointment (NIP digits 9–12): a step
# (ruang) every four years from the kind's entry rank, capped by its ceiling. No random draw here,
# so the rest of the dataset stays as it was.
RUANG = ["II/a", "II/b", "II/c", "II/d", "III/a", "III/b", "III/c", "III/d", "IV/a", "IV/b", "IV/c", "IV/d", "IV/e"]
KIND_OF = {p["code"]: p["kind"] for p in positions}
RANK_BAND = {"jpt_pratama": ("IV/b", "IV/d"), "administrator": ("III/d", "IV/b"), "pengawas": ("III/b", "III/d"),
             "fungsional": ("III/a", "IV/a"), "pelaksana": ("II/a", "III/b")}
def golongan(nip, pos):
    lo, hi = RANK_BAND[KIND_OF[pos]]
    service = 2026 - int(nip[8:12])
    i = min(RUANG.index(lo) + service // 4, RUANG.index(hi))
    return RUANG[i]
with open(os.path.join(OUT, "employees.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["nip", "nama", "jabatan", "unit", "atasan_nip", "potensial", "golongan"])
    for e in employees:
        w.writerow(list(e) + [golongan(e[0], e[2])])
with open(os.path.join(OUT, "units.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["code", "name", "parent", "head_nip"])
    for code, name, parent in units:
        w.writerow([code, name, parent, heads.get(code, "")])

# --- assessments ------------------------------------------------------------------------------
req = {p["code"]: {r["competency"]: r["level"] for r in p["requirements"]} for p in positions}
with open(os.path.join(OUT, "assessments.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["nip", "kompetensi", "level", "sumber", "tanggal"])
    for nip, _, pos, unit, _, _ in employees:
        date = f"2025-{random.randint(3, 11):02d}-{random.randint(1, 28):02d}"
        for comp, need in sorted(req[pos].items()):
            level = max(1, min(5, need + random.choices([-2, -1, 0, 1], [10, 35, 45, 10])[0]))
            w.writerow([nip, comp, level, "assessment_center", date])
print(f"{len(units)} units, {len(positions)} positions, {len(competencies)} competencies, {len(programs)} programs, {len(employees)} employees")

# --- the running change-adoption campaign "Adopsi e-Kinerja" ----------------------------------
# Every dinas adopts e-Kinerja since July 2026; Dinas PUPR lags (most staff still at awareness or
# desire), a few people stepped back and said why.
STAGES = ["awareness", "desire", "knowledge", "ability", "reinforcement"]
NORMAL = [1, 1, 3, 5, 90]
LAGGING = [45, 30, 15, 7, 3]
BACK_NOTES = [
    "Aplikasi sering gagal login dari kantor kecamatan",
    "Belum paham cara mengisi rencana hasil kerja",
    "Jaringan internet di lokasi kerja tidak stabil",
    "Merasa penilaian lebih rumit daripada format lama",
]
dinas_of = {}
def n_is_head(nip, head_set):
    return nip in head_set
for code, _, bidangs in DINAS:
    dinas_of[code] = code
    for bcode, _, _ in bidangs:
        dinas_of[f"{code}-{bcode}"] = code
        dinas_of[f"{code}-{bcode}-1"] = code
campaign = {
    "code": "ADOPSI-EKINERJA",
    "title": "Adopsi e-Kinerja",
    "description": "Seluruh perangkat daerah menyusun SKP, mencatat bukti dukung dan menilai kinerja triwulanan melalui e-Kinerja.",
    "sponsor_nip": heads["BKPSDM"],
    "units": [code for code, _, _ in DINAS],
    "starts": "2026-07-01",
    "ends": "2026-12-31",
    "adoption_target": 0.7,
    "allow_skips": False,
}
activities, stage_moves = [], []
by_dinas = {}
for nip, _, _, unit, _, _ in employees:
    if unit in dinas_of:
        by_dinas.setdefault(dinas_of[unit], []).append(nip)
for i, (code, _, _) in enumerate(DINAS):
    people = by_dinas[code]
    head_set = set(heads.values())
    attending = [n for n in people if n in head_set or random.random() < 0.95]
    activities.append({"kind": "sosialisasi", "unit": code, "held_on": f"2026-07-{8 + 2 * i:02d}",
                       "title": "Sosialisasi e-Kinerja", "attendees": sorted(attending)})
    if code != "DPUPR":
        activities.append({"kind": "workshop", "unit": code, "held_on": f"2026-08-{5 + 2 * i:02d}",
                           "title": "Workshop penyusunan SKP di e-Kinerja",
                           "attendees": sorted(random.sample(attending, len(attending) // 2))})
        activities.append({"kind": "coaching_clinic", "unit": code, "held_on": f"2026-09-{10 + 2 * i:02d}",
                           "title": "Klinik pendampingan penilaian triwulanan", "attendees": []})
    weights = LAGGING if code == "DPUPR" else NORMAL
    for nip in attending:
        final = random.choices(range(5), weights)[0]
        if n_is_head(nip, head_set) and code != "DPUPR":
            final = 4
        for s in range(1, final + 1):
            stage_moves.append({"nip": nip, "stage": STAGES[s]})
        if final >= 2 and random.random() < 0.04 and nip not in head_set:
            stage_moves.append({"nip": nip, "stage": STAGES[final - 1], "note": random.choice(BACK_NOTES)})
json.dump({"campaign": campaign, "activities": activities, "stages": stage_moves},
          open(os.path.join(OUT, "campaign.json"), "w"), ensure_ascii=False, indent=1)
print(f"campaign: {len(activities)} activities, {len(stage_moves)} stage moves")

# --- quarterly evaluations 2025-Q1 .. 2026-Q3 (SKP, PermenPANRB 6/2022) ------------------------
# Most employees meet expectations; some excel steadily, a few struggle. The evaluator is the
# direct supervisor. 2026-Q4 is left for the regency to import.
EKSP = ["di_bawah_ekspektasi", "sesuai_ekspektasi", "di_atas_ekspektasi"]
PERIODS = [f"{y}-Q{q}" for y in (2025, 2026) for q in (1, 2, 3, 4)][:7]
with open(os.path.join(OUT, "evaluations.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["nip", "periode", "hasil_kerja", "perilaku_kerja", "catatan", "penilai_nip"])
    for nip, _, _, _, supervisor, _ in employees:
        kind = random.choices(["tinggi", "biasa", "rendah"], [14, 78, 8])[0]
        for period in PERIODS:
            if kind == "tinggi":
                hk, pk = random.choices([(2, 2), (2, 1), (1, 1)], [70, 20, 10])[0]
            elif kind == "rendah":
                hk, pk = random.choices([(0, 1), (0, 0), (1, 0), (1, 1)], [45, 15, 15, 25])[0]
            else:
                hk, pk = random.choices([(1, 1), (2, 1), (1, 2), (2, 2), (0, 1)], [72, 10, 8, 6, 4])[0]
            w.writerow([nip, period, EKSP[hk], EKSP[pk], "", supervisor])
print(f"evaluations: {len(employees) * len(PERIODS)} rows, {PERIODS[0]}..{PERIODS[-1]}")

# --- unit indicators (IKU) and the front office's public-satisfaction surveys -----------------
# The kinds of indicator regional governments ask for first: permits on time and processing
# days (DPMPTSP), the citizens' satisfaction at the front office (fed by its IKM), school
# participation and graduation (Dinas Pendidikan), roads in good condition (Dinas PUPR).
# A random generator of its own, so that these files do not move the ones above.
ind_random = random.Random(7)


def quarters(year, values):
    return [{"period": f"{year}-Q{i + 1}", "value": v} for i, v in enumerate(values)]


indicators = [
    {"unit": "DPMPTSP", "code": "IKU-IZIN-TEPAT", "year": 2025, "name": "Persentase izin terbit tepat waktu", "unit_of_measure": "%", "direction": "higher_is_better", "target": 90,
     "realisations": quarters(2025, [84.2, 88.0, 91.5, 93.1])},
    {"unit": "DPMPTSP", "code": "IKU-IZIN-TEPAT", "year": 2026, "name": "Persentase izin terbit tepat waktu", "unit_of_measure": "%", "direction": "higher_is_better", "target": 92,
     "realisations": quarters(2026, [86.4, 89.3, 94.0])},
    {"unit": "DPMPTSP", "code": "IKU-HARI-IZIN", "year": 2025, "name": "Rata-rata lama proses perizinan", "unit_of_measure": "hari", "direction": "lower_is_better", "target": 5,
     "realisations": quarters(2025, [6.2, 5.5, 4.8, 4.6])},
    {"unit": "DPMPTSP", "code": "IKU-HARI-IZIN", "year": 2026, "name": "Rata-rata lama proses perizinan", "unit_of_measure": "hari", "direction": "lower_is_better", "target": 4,
     "realisations": quarters(2026, [4.9, 4.4, 3.8])},
    {"unit": "DPMPTSP-YAN-1", "code": "IKU-IKM-PTSP", "year": 2025, "name": "Indeks Kepuasan Masyarakat pelayanan perizinan", "kind": "ikm", "unit_of_measure": "indeks", "direction": "higher_is_better", "target": 85, "realisations": []},
    {"unit": "DPMPTSP-YAN-1", "code": "IKU-IKM-PTSP", "year": 2026, "name": "Indeks Kepuasan Masyarakat pelayanan perizinan", "kind": "ikm", "unit_of_measure": "indeks", "direction": "higher_is_better", "target": 87, "realisations": []},
    {"unit": "DISDIK", "code": "IKU-APS", "year": 2025, "name": "Angka Partisipasi Sekolah usia 7–15 tahun", "unit_of_measure": "%", "direction": "higher_is_better", "target": 97.5,
     "realisations": [{"period": "2025", "value": 96.8, "note": "Data Pokok Pendidikan semester genap"}]},
    {"unit": "DISDIK", "code": "IKU-APS", "year": 2026, "name": "Angka Partisipasi Sekolah usia 7–15 tahun", "unit_of_measure": "%", "direction": "higher_is_better", "target": 98, "realisations": []},
    {"unit": "DISDIK", "code": "IKU-LULUS", "year": 2025, "name": "Angka kelulusan SD dan SMP", "unit_of_measure": "%", "direction": "higher_is_better", "target": 99,
     "realisations": [{"period": "2025", "value": 99.3}]},
    {"unit": "DISDIK", "code": "IKU-LULUS", "year": 2026, "name": "Angka kelulusan SD dan SMP", "unit_of_measure": "%", "direction": "higher_is_better", "target": 99.2, "realisations": []},
    {"unit": "DPUPR", "code": "IKU-JALAN-MANTAP", "year": 2025, "name": "Persentase jalan kabupaten dalam kondisi mantap", "unit_of_measure": "%", "direction": "higher_is_better", "target": 68,
     "realisations": quarters(2025, [64.0, 65.2, 66.5, 67.2])},
    {"unit": "DPUPR", "code": "IKU-JALAN-MANTAP", "year": 2026, "name": "Persentase jalan kabupaten dalam kondisi mantap", "unit_of_measure": "%", "direction": "higher_is_better", "target": 72,
     "period_targets": {"2026-Q1": 69, "2026-Q2": 70, "2026-Q3": 71}, "realisations": quarters(2026, [68.1, 69.5, 70.1])},
    # Visitor numbers, as a tourism office counts them: the region's promoted destinations,
    # promoted by the investment-promotion section (promosi investasi dan pariwisata daerah).
    {"unit": "DPMPTSP-PM", "code": "IKU-KUNJUNGAN-WISATA", "year": 2025, "name": "Jumlah kunjungan wisatawan ke destinasi promosi daerah", "unit_of_measure": "kunjungan", "direction": "higher_is_better", "target": 12000,
     "period_targets": {"2025-Q1": 2500, "2025-Q2": 3000, "2025-Q3": 3500, "2025-Q4": 3000}, "realisations": quarters(2025, [2310, 3150, 3720, 2890])},
    {"unit": "DPMPTSP-PM", "code": "IKU-KUNJUNGAN-WISATA", "year": 2026, "name": "Jumlah kunjungan wisatawan ke destinasi promosi daerah", "unit_of_measure": "kunjungan", "direction": "higher_is_better", "target": 13500,
     "period_targets": {"2026-Q1": 2800, "2026-Q2": 3400, "2026-Q3": 3900, "2026-Q4": 3400}, "realisations": quarters(2026, [2650, 3080, 4120])},
]
with open(os.path.join(OUT, "indicators.json"), "w") as f:
    json.dump(indicators, f, ensure_ascii=False, indent=1)
# Seven quarters of the front office's survey, answers improving over time.
surveys = []
for n, period in enumerate(PERIODS):
    good = 0.55 + 0.04 * n
    responses = []
    for _ in range(18 + (n % 3)):
        row = []
        for _ in range(9):
            x = ind_random.random()
            row.append(4 if x < good else (3 if x < good + 0.35 else 2))
        responses.append(row)
    surveys.append({"unit": "DPMPTSP-YAN-1", "period": period, "responses": responses})
with open(os.path.join(OUT, "ikm.json"), "w") as f:
    f.write(json.dumps(surveys, separators=(",", ":")))
print(f"indicators: {len(indicators)}; IKM surveys: {len(surveys)}")

# --- SKPs, dialog kinerja and upward feedback of the front office chain ----------------------
# The head of DPMPTSP, the head of the licensing division, the head of the front office and
# three of her staff: SKPs for 2025 and 2026 cascading from the permit IKU, realised quarter by
# quarter (one excels, one meets, one falls short); a 2026 SKP still waiting for approval; a
# dialog history; upward feedback to the division head from his direct reports.
skp_random = random.Random(11)
KADIS, KABID, KASI = "197403232000122001", "197201062002052001", "197503222002112001"
STAFF = [("197812122005051001", 1.16), ("198201032005081001", 1.02), ("198008152006091001", 0.9)]
BEHAVIOUR = {
    "berorientasi_pelayanan": "Melayani pemohon dengan ramah dan menjawab pertanyaan di loket paling lama lima menit",
    "akuntabel": "Mencatat setiap berkas di register dan menyerahkan laporan triwulan tepat waktu",
    "kompeten": "Menguasai persyaratan perizinan OSS RBA dan mengikuti minimal 20 JP pengembangan",
    "harmonis": "Menghargai rekan kerja dan pemohon tanpa membedakan latar belakang",
    "loyal": "Menjaga kerahasiaan data pemohon",
    "adaptif": "Membantu pemohon beralih ke permohonan daring",
    "kolaboratif": "Berbagi beban antrean saat loket ramai",
}


def quarter_values(year, target, factor, lower=False, quarters_done=4):
    out = []
    for q in range(1, quarters_done + 1):
        f = factor + skp_random.uniform(-0.04, 0.04)
        v = target / f if lower else target * f
        out.append({"period": f"{year}-Q{q}", "value": round(v, 1) if lower else round(v)})
    return out


skps = []
for year, done in ((2025, 4), (2026, 3)):
    skps.append({"nip": KADIS, "year": year, "status": "approved",
                 "rhk": [{"key": f"kadis{year}", "kind": "utama", "text": "Meningkatnya kualitas pelayanan perizinan dan penanaman modal",
                          "supports": {"indicator": "IKU-IZIN-TEPAT"},
                          "iki": [{"aspect": "kualitas", "text": "Persentase izin terbit tepat waktu", "target": 90 if year == 2025 else 92, "unit_of_measure": "%",
                                   "realisations": [{"period": r["period"], "value": r["value"]} for r in next(i for i in indicators if i["code"] == "IKU-IZIN-TEPAT" and i["year"] == year)["realisations"]]}]}],
                 "behaviour": []})
    skps.append({"nip": KABID, "year": year, "status": "approved",
                 "rhk": [{"key": f"kabid{year}", "kind": "utama", "text": "Terselenggaranya pelayanan perizinan sesuai standar waktu", "supports": {"rhk": f"kadis{year}"},
                          "iki": [{"aspect": "kuantitas", "text": "Persentase berkas perizinan selesai sesuai SOP", "target": 92, "unit_of_measure": "%",
                                   "realisations": quarter_values(year, 92, 1.01, quarters_done=done)},
                                  {"aspect": "waktu", "text": "Rata-rata lama proses izin", "target": 5 if year == 2025 else 4, "unit_of_measure": "hari", "direction": "lower_is_better",
                                   "realisations": quarter_values(year, 5 if year == 2025 else 4, 1.05, lower=True, quarters_done=done)}]}],
                 "behaviour": [{"value": v, "expectation": t} for v, t in list(BEHAVIOUR.items())[:3]]})
    skps.append({"nip": KASI, "year": year, "status": "approved",
                 "rhk": [{"key": f"kasi{year}", "kind": "utama", "text": "Terlayaninya pemohon di front office sesuai standar pelayanan", "supports": {"rhk": f"kabid{year}"},
                          "iki": [{"aspect": "kuantitas", "text": "Berkas permohonan diverifikasi per triwulan", "target": 900, "unit_of_measure": "berkas",
                                   "realisations": quarter_values(year, 900, 1.04, quarters_done=done)},
                                  {"aspect": "waktu", "text": "Waktu tunggu rata-rata di loket", "target": 15, "unit_of_measure": "menit", "direction": "lower_is_better",
                                   "realisations": quarter_values(year, 15, 1.08, lower=True, quarters_done=done)}]}],
                 "behaviour": [{"value": v, "expectation": t} for v, t in list(BEHAVIOUR.items())[:4]]})
    for i, (nip, factor) in enumerate(STAFF):
        waiting = year == 2026 and i == 1
        skps.append({"nip": nip, "year": year, "status": "submitted" if waiting else "approved",
                     "rhk": [{"kind": "utama", "text": "Berkas permohonan izin terverifikasi lengkap dan tepat waktu", "supports": {"rhk": f"kasi{year}"},
                              "iki": [{"aspect": "kuantitas", "text": "Berkas diverifikasi per triwulan", "target": 300, "unit_of_measure": "berkas",
                                       "realisations": [] if waiting else [dict(r, evidence_url=f"https://arsip-dpmptsp.example/register/{nip}/{r['period']}") for r in quarter_values(year, 300, factor, quarters_done=done)]},
                                      {"aspect": "kualitas", "text": "Berkas dikembalikan karena salah verifikasi", "target": 6, "unit_of_measure": "berkas", "direction": "lower_is_better",
                                       "realisations": [] if waiting else quarter_values(year, 6, factor, lower=True, quarters_done=done)}]},
                             {"kind": "tambahan", "text": "Sosialisasi permohonan izin daring kepada pelaku usaha", "supports": None,
                              "iki": [{"aspect": "kuantitas", "text": "Kegiatan sosialisasi", "target": 2, "unit_of_measure": "kegiatan",
                                       "realisations": [] if waiting else [{"period": f"{year}-Q{q}", "value": skp_random.choice([1, 2, 2, 3])} for q in range(1, done + 1)]}]}],
                     "behaviour": [{"value": v, "expectation": t} for v, t in BEHAVIOUR.items()]})
with open(os.path.join(OUT, "skp.json"), "w") as f:
    json.dump(skps, f, ensure_ascii=False, indent=1)

DIALOG = [
    ("198008152006091001", KASI, "ekspektasi", "Triwulan ini fokus pada ketelitian verifikasi: berkas yang dikembalikan paling banyak enam.", "akuntabel", "2026-01-12"),
    ("198008152006091001", "198008152006091001", "pertanyaan", "Apakah berkas OSS yang belum lengkap dihitung sebagai dikembalikan?", None, "2026-01-14"),
    ("198008152006091001", KASI, "umpan_balik", "Ya, dihitung. Gunakan daftar periksa persyaratan sebelum menerima berkas.", "kompeten", "2026-01-15"),
    ("198008152006091001", KASI, "umpan_balik", "Jumlah berkas dikembalikan naik di triwulan II; mari kita bahas di pertemuan Senin.", None, "2026-07-08"),
    ("197812122005051001", KASI, "umpan_balik", "Terima kasih sudah membantu loket perizinan saat antrean panjang.", "kolaboratif", "2026-03-20"),
    ("197812122005051001", "197812122005051001", "catatan", "Mengusulkan jadwal sosialisasi daring di kecamatan Tanjung Palas.", "adaptif", "2026-05-04"),
    ("197812122005051001", KASI, "umpan_balik", "Capaian verifikasi triwulan II di atas target; pertahankan.", None, "2026-07-10"),
    (KASI, KABID, "ekspektasi", "Waktu tunggu loket di bawah 15 menit menjadi prioritas tahun ini.", "berorientasi_pelayanan", "2026-01-08"),
    (KASI, KABID, "umpan_balik", "IKM front office naik dua triwulan berturut-turut, bagus.", None, "2026-08-03"),
]
dialog = [{"nip": n, "author_nip": a, "kind": k, "text": t, "value": v, "on": d} for n, a, k, t, v, d in DIALOG]
# Upward feedback to the head of the licensing division from his direct reports (five 1..5
# answers each), enough to show the anonymous aggregate.
upward = []
reports_of_kabid = [e[0] for e in employees if e[4] == KABID]
for nip in reports_of_kabid[:5]:
    upward.append({"supervisor_nip": KABID, "respondent_nip": nip, "year": 2026,
                   "answers": [skp_random.choice([3, 4, 4, 5]) for _ in range(5)]})
upward[0]["comment"] = "Arahan jelas, tetapi rapat koordinasi sering mendadak."
upward[2]["comment"] = "Terbuka terhadap usulan perbaikan layanan."
with open(os.path.join(OUT, "dialog.json"), "w") as f:
    json.dump({"entries": dialog, "upward": upward}, f, ensure_ascii=False, indent=1)
print(f"SKPs: {len(skps)}; dialog entries: {len(dialog)}; upward answers: {len(upward)}")
