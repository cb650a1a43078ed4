"""Fictional Indonesian full names for the demo data, drawn from a realistic distribution.

A few hundred names of each kind, each drawn by a Zipf-like weight (the first of a list is the
most common), combined the way Indonesian names are: one to three given names, and a family or
second name for most people (a Batak marga, a Javanese or Sundanese second name, a father's
name), with the Balinese birth-order names in front for some. At 100,000 applicants this gives
tens of thousands of distinct full names, a few of them (Siti Aminah, Muhammad Rizki) shared by
hundreds, as in a real register, so that a name search finds one person or many, not one name
in five hundred.
"""

from __future__ import annotations

import itertools
import random
import re
import unicodedata
from functools import cache

WOMEN = """
Siti Sri Nur Dewi Putri Ayu Rina Fitri Indah Ratna Wulan Yuni Endang Lestari Maya Dian Rini
Wahyuni Ani Tri Eka Dwi Novi Yanti Lina Mega Ratih Rahma Desi Intan Kartika Nurul Aisyah
Fatimah Khadijah Aminah Zahra Anisa Annisa Nabila Salsabila Aulia Amalia Anggun Ayu Bunga
Cahya Citra Dinda Dita Elsa Erna Evi Fani Farida Fauziah Febri Hana Hani Hesti Ika Ilma Ira
Irma Isna Jihan Juwita Kiki Kurnia Laila Lia Lilis Lusi Mira Mulyani Nadia Nia Nina Nova Nuri
Oktavia Puji Puspa Rahayu Rani Ratnasari Reni Retno Rika Risma Rosa Rosita Sari Sinta Siska
Sofia Suci Sulastri Susi Tari Tika Titin Umi Vina Wati Widya Winda Yati Yeni Yulia Yustina
Zulaikha Agustina Anggraini Apriani Astuti Ayuningtyas Cahyani Damayanti Eviana Fitriani
Hartini Herlina Kusumawati Lestiani Marlina Maryam Murniati Nurhayati Pratiwi Purwanti
Rahmawati Riyanti Setyaningsih Sholihah Sriyani Suharti Sumarni Sundari Susilawati Triana
Utami Wahyuningsih Widiastuti Yuliana Yusnita Zaenab
"""
MEN = """
Muhammad Ahmad Budi Agus Andi Dedi Eko Fajar Hendra Joko Rudi Wahyu Rizki Rizky Arif Yusuf
Teguh Imam Bambang Dodi Hadi Irfan Ilham Bayu Galih Gilang Rahmat Taufik Hasan Husein Abdul
Adi Aditya Agung Anton Ari Arief Aris Bagus Benny Candra Dani Danu Darmawan Dimas Doni Edi Eri
Fahmi Faisal Farhan Ferry Firman Hafiz Hari Haris Heru Ikhsan Indra Iwan Jaka Kurniawan Lukman
Made Mahmud Mulyadi Nanang Nur Oki Pandu Prasetyo Putra Rafi Raka Ramadhan Reza Ridwan Rio
Rohman Rusdi Sandi Slamet Sugeng Suharto Sukardi Sulaiman Supriyadi Surya Syaiful Tono Tri Udin
Umar Usman Wawan Wisnu Yoga Yudi Zainal Zulkifli Achmad Anwar Bima Dwi Eka Fikri Gunawan Hamid
Hendri Irwan Jamal Junaidi Kholil Lutfi Maulana Mukhlis Nasrul Nugraha Rifai Rizal Sahrul
Samsul Suryadi Syahrul Wahid Yanto Yusril Zaki Ismail Ibrahim Ali Ridho Hidayat Ashari
"""
# Second and family names: Javanese, Sundanese, Arabic, and the marga of Sumatra and Sulawesi.
FAMILY = """
Santoso Wijaya Saputra Hidayat Pratama Kurniawan Setiawan Nugroho Siregar Nasution Harahap
Lubis Simanjuntak Tanjung Hasibuan Rahmawati Susanti Permana Wibowo Susanto Hartono Gunawan
Sitompul Purba Sinaga Manurung Situmorang Hutapea Pangaribuan Marpaung Sembiring Ginting Tarigan
Sihombing Batubara Pohan Daulay Ritonga Matondang Simatupang Panjaitan Sianturi Hutagalung
Napitupulu Silalahi Damanik Saragih Pardede Tambunan Sagala Manik Rangkuti Pulungan Lbn.Tobing
Suryadi Hakim Fauzi Ramadhan Firmansyah Maulana Syahputra Wulandari Anggraini Puspita Handayani
Utami Maharani Febriani Oktaviani Safitri Amalia Rosita Yulianti Prasetyo Prabowo Purnomo
Haryanto Sugiarto Suharto Sutrisno Wahyudi Hermawan Kusuma Kusumawardani Setiabudi Halim
Rahman Rahim Hamzah Hasan Syarifuddin Nurdin Muhtar Anshori Hakiki Alamsyah Iskandar Effendi
Lesmana Mahendra Nugraha Pradana Ramdani Sopian Suherman Sumarna Supriatna Suryana Hidayatullah
Kartawijaya Sastrawijaya Wiranata Adiwijaya Djajadiningrat Tanoto Halim Salim Lim Tanuwijaya
Wirawan Sudarma Suarta Astawa Mahardika Putra Arsana Widiana Pattimura Latuconsina Tuasikal
Pelupessy Rumbiak Wenda Mandacan Rumkorem Lamba Pakpahan Simbolon Nainggolan Sinurat Aritonang
Mokodompit Lumban Rondonuwu Mandagi Wuisan Tumbelaka Sumampouw Pangemanan Lasut Paputungan
Daeng Bachtiar Baharuddin Amiruddin Syamsuddin Jamaluddin Zainuddin Badaruddin Mappanyukki
Sianipar Harianja Gultom Hutabarat Lumbantoruan Sirait Pasaribu Panggabean Hutauruk Butarbutar
"""
# Balinese names of birth order, put in front of the given names.
BALINESE = {"female": ("Ni Made", "Ni Putu", "Ni Komang", "Ni Ketut", "Ni Wayan", "Ni Luh")}
BALINESE["male"] = ("I Made", "I Putu", "I Komang", "I Ketut", "I Wayan", "I Gede", "I Nyoman")
BALINESE_SHARE = 0.04
FAMILY_SHARE = 0.78  # most people carry a second or family name; the rest one or two given names
SECOND_GIVEN_SHARE = 0.35


def _words(text: str) -> tuple[str, ...]:
    """The names of a list, each once, in order, "Lbn.Tobing" becoming "Lbn. Tobing"."""
    return tuple(dict.fromkeys(word.replace(".", ". ") for word in text.split()))


@cache
def _weighted(kind: str) -> tuple[tuple[str, ...], list[float]]:
    """A list's names and their cumulative Zipf-like weights, 1 / (rank + 3)."""
    names = _words({"female": WOMEN, "male": MEN, "family": FAMILY}[kind])
    return names, list(itertools.accumulate(1 / (rank + 3) for rank in range(len(names))))


def _draw(rng: random.Random, kind: str) -> str:
    names, weights = _weighted(kind)
    return rng.choices(names, cum_weights=weights)[0]


def full_name(rng: random.Random, female: bool) -> str:
    """A fictional full name of a woman or a man, drawn with `rng` (deterministic per seed)."""
    sex = "female" if female else "male"
    parts = [_draw(rng, sex)]
    if rng.random() < SECOND_GIVEN_SHARE:
        second = _draw(rng, sex)
        if second != parts[0]:
            parts.append(second)
    if rng.random() < FAMILY_SHARE:
        parts.append(_draw(rng, "family"))
    if rng.random() < BALINESE_SHARE:
        parts.insert(0, rng.choice(BALINESE[sex]))
    return " ".join(parts)


def email_local_part(name: str) -> str:
    """A name as the local part of an e-mail address: ASCII letters and dots, lower case."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return ".".join(re.findall(r"[a-z]+", ascii_name.lower()))
