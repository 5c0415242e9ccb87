"""Names that English writes its own way: countries, capitals and big cities, regions, seas,
international bodies and the abbreviations that translate ("BNP" → GDP, "FN" → UN).

Only names a news translation meets and that differ from the Nordic spelling are listed; names
spelled alike ("Iran", "Oslo") need no entry, and small differences ("Efesos" ~ "Ephesus") are
left to the fuzzy match in `names`. Norwegian names that Nynorsk spells otherwise ("Høgre" for
"Høyre", "Noreg", "Framstegspartiet") share the Bokmål name's line, so either counts as the
other in a summary. Each line is `english forms: nordic forms`, with "_" for a
space inside a form and "|" between English forms; forms are folded (lower case, no accents).
"""

from __future__ import annotations

import functools

_TABLE = """
afghanistan|afghan: afghanistan
albania|albanian: albania albanien
algeria|algerian: algerie algeriet algerie
armenia|armenian: armenia armenien
australia|australian|aussie: australia australien
austria|austrian: osterrike osterrike ostrig
azerbaijan|azeri|azerbaijani: aserbajdsjan azerbajdzjan azerbajdjzan aserbajdzjan
belarus|belarusian: hviterussland vitryssland hviderusland belarus
belgium|belgian: belgia belgien
bosnia|bosnian: bosnia bosnien
brazil|brazilian: brasil brasilien
bulgaria|bulgarian: bulgaria bulgarien
cambodia|cambodian: kambodsja kambodja cambodja
cameroon: kamerun
canada|canadian: kanada
caribbean: karibia karibien caribien karibien
chad: tsjad tchad
china|chinese: kina
colombia|colombian: colombia columbia
congo|congolese: kongo
croatia|croatian: kroatia kroatien
cuba|cuban: kuba
cyprus|cypriot: kypros cypern
czech|czechia: tsjekkia tjeckien tjekkiet tsjekkoslovakia tjeckoslovakien
denmark|danish|dane|danes: danmark
egypt|egyptian: egypt egypten aegypten
estonia|estonian: estland
ethiopia|ethiopian: etiopia etiopien
finland|finnish|finn|finns: finland
france|french: frankrike frankrig
georgia|georgian: georgia georgien
germany|german|germans: tyskland
greece|greek|greeks: hellas grekland graekenland
greenland|greenlandic|greenlanders: gronland
hungary|hungarian: ungarn ungern
iceland|icelandic: island
india|indian: india indien
indonesia|indonesian: indonesia indonesien
iraq|iraqi: irak
ireland|irish: irland
italy|italian: italia italien
ivory_coast|cote_d'ivoire: elfenbenskysten elfenbenskusten
jordan|jordanian: jordan jordanien
kazakhstan: kasakhstan kazakstan kasakstan
kyrgyzstan: kirgisistan kirgizistan kirgisistan
latvia|latvian: latvia lettland letland
lebanon|lebanese: libanon
libya|libyan: libya libyen
lithuania|lithuanian: litauen
luxembourg: luxemburg
mexico|mexican: mexico mexiko
moldova: moldova moldavien
mongolia|mongolian: mongolia mongoliet
morocco|moroccan: marokko marocko
mozambique: mosambik mocambique
netherlands|dutch|holland: nederland nederlandene nederlanderna nederlandene holland
new_zealand: ny-zealand new_zealand nya_zeeland nyzealand
north_korea: nord-korea nordkorea
south_korea: sor-korea sydkorea syd-korea
norway|norwegian|norwegians: norge noreg
palestine|palestinian: palestina
philippines|filipino|philippine: filippinene filippinerna filippinerne
poland|polish|pole|poles: polen
romania|romanian: romania rumenia rumanien rumaenien
russia|russian|russians: russland ryssland rusland
saudi_arabia|saudi: saudi-arabia saudiarabien saudi-arabien saudi_arabia
scotland|scottish|scots: skottland skotland
serbia|serbian: serbia serbien
slovakia|slovak: slovakia slovakien
slovenia|slovenian: slovenia slovenien
south_africa|south_african: sor-afrika sydafrika sorafrika
spain|spanish: spania spanien
sweden|swedish|swede|swedes: sverige
switzerland|swiss: sveits schweiz
syria|syrian: syria syrien
thailand|thai: thailand
tunisia|tunisian: tunisia tunisien
turkey|turkish|turk|turks|turkiye: tyrkia turkiet tyrkiet
ukraine|ukrainian: ukraina
united_arab_emirates|uae|emirates|emirati: forente_arabiske_emirater forenade_arabemiraten
united_arab_emirates|uae|emirates|emirati: arabemiratene arabemiraten emiratene
united_kingdom|britain|british|uk|britons: storbritannia storbritannien
united_states|us|usa|u.s.|america|american|americans: usa usas amerika
uzbekistan: usbekistan uzbekistan
yemen|yemeni: jemen
belgrade: beograd belgrad
beijing|peking: beijing peking
bucharest: bucuresti bukarest
brussels: brussel bryssel bruxelles
cairo: kairo
cologne: koln
copenhagen: kobenhavn kopenhamn
damascus: damaskus
florence: firenze florens
geneva: geneve
gothenburg: goteborg
hamburg: hamborg hamburg
hanover: hannover
the_hague|hague: haag
hong_kong: hongkong
jerusalem: jerusalem
kyiv|kiev: kyiv kiev kijev kijiv
lisbon: lisboa lissabon
mecca: mekka
milan: milano
munich: munchen
naples|neapolitan|neapolitans: napoli neapel
nuremberg: nurnberg
prague: praha prag
rome: roma rom
seville: sevilla
singapore: singapore singapur
st_petersburg|saint_petersburg|petersburg: st._petersburg sankt_petersburg st_petersburg petersburg
tehran: teheran
venice|venetian|venetians: venezia venedig
vienna: wien
warsaw: warszawa
athens: athen aten
baghdad: bagdad
helsinki: helsinki helsingfors
turku: abo
manchester|mancunian|mancunians: manchester
liverpool|liverpudlian|liverpudlians: liverpool
glasgow|glaswegian|glaswegians: glasgow
moscow|muscovite|muscovites: moskva
mumbai|bombay: bombay mumbai
chennai|madras: madras chennai
kolkata|calcutta: calcutta kolkata kalkutta
myanmar|burma: burma myanmar
cretaceous: krita kritt kridt krittiden kridttiden
jurassic: jura juratiden
triassic: trias
cambrian: kambrium
africa|african: afrika
america|americas: amerika
north_america: nord-amerika nordamerika
south_america: sor-amerika sydamerika
latin_america: latin-amerika latinamerika
central_america: mellom-amerika mellanamerika mellemamerika
asia|asian: asia asien
europe|european: europa
eastern_europe|east_european: ost-europa osteuropa
middle_east: midtosten mellanostern mellemosten
scandinavia|scandinavian: skandinavia skandinavien
nordic|nordics|nordic_countries: norden
balkans|balkan: balkan
baltics|baltic: baltikum
arctic: arktis
antarctica|antarctic: antarktis
siberia: sibir sibirien
crimea: krim
caucasus: kaukasus
alps|alpine: alpene alperna alperne
sicily: sicilia sicilien
sardinia: sardinia sardinien
crete: kreta
corsica: korsika
rhodes: rhodos
troy: troja
thrace: thrakia thrakien
judea: judea judeen
jutland: jylland
bavaria: bayern
catalonia|catalan: catalonia katalonia katalonien
andalusia: andalusia andalusien
normandy: normandie
brittany: bretagne
tuscany: toscana
lapland: lappland
pacific: stillehavet stilla_havet stillehav stillehavet
atlantic: atlanterhavet atlanten atlanterhavet
mediterranean: middelhavet medelhavet
north_sea: nordsjoen nordsjon nordsoen
baltic: ostersjoen ostersjon ostersoen
black_sea: svartehavet svarta_havet sortehavet
caspian: kaspihavet kaspiska_havet kaspiske_hav
red_sea: rodehavet roda_havet
dead_sea: dodehavet doda_havet
aegean: egeerhavet egeiska_havet aegaeiske_hav
indian_ocean: indiahavet indiska_oceanen indiske_ocean
persian_gulf|gulf: persiabukta persiska_viken persiske_golf
arctic_ocean|arctic: nordishavet ishavet norra_ishavet polhavet
white_sea: kvitsjoen hvitehavet hvidehavet vita_havet
south_pole: sydpolen sorpolen
north_pole: nordpolen
south_seas|south_pacific|pacific: soderhavet sydhavet
cape: kap kapp
cape_town: kapstaden kapstad kappstaden
cape_of_good_hope: kapp_det_gode_hap
english_channel|channel: den_engelske_kanal engelska_kanalen
danube: donau
rhine: rhinen rhen
nile: nilen
thames: themsen
earth: jorden jorda
moon|lunar: manen
sun|solar: solen sola
god: gud
soviet|soviet_union|ussr: sovjetunionen sovjet sovjetisk
kremlin: kreml
white_house: det_hvite_hus vita_huset det_hvide_hus
vatican|holy_see: vatikanet vatikanen
red_cross: rode_kors roda_korset
un|united_nations: fn forente_nasjoner forenta_nationerna forenede_nationer fns
eu|european_union: eu eus den_europeiske_union europeiska_unionen den_europaeiske_union
nato: nato
who|world_health_organization: who verdens_helseorganisasjon varldshalsoorganisationen
world_bank: verdensbanken varldsbanken
imf|international_monetary_fund: imf pengefondet valutafonden
european_commission|commission: eu-kommisjonen europakommisjonen eu-kommissionen
european_parliament: europaparlamentet
parliament|storting: stortinget storting
parliament|riksdag: riksdagen riksdag
parliament|folketing: folketinget folketing
supreme_court: hoyesterett hogsterett hogsta_domstolen hojesteret
gdp|gross_domestic_product: bnp
gnp: bnp
olympic|olympics: ol os
world_cup|world_championship|world_championships: vm
european_championship|european_championships|euro: em
ioc|international_olympic_committee: iok
nobel: nobel
us|u.s.|dollar|dollars|$: usd us
euro|euros|eur|€: eur euro
krone|kroner|nok: nok
krona|kronor|sek: sek
krone|kroner|dkk: dkk
pound|pounds|£|gbp: gbp pund
tv|television|televisions: tv
pc|computer|laptop: pc
mri: mr mrt
ct: ct
co2|carbon_dioxide: co2
dna: dna
hiv: hiv
aids: aids
eea|european_economic_area: eos ees
efta: efta
labour|labour_party: ap arbeiderpartiet arbeidarpartiet
conservative|conservatives|conservative_party: hoyre hogre
progress_party|progress: frp fremskrittspartiet framstegspartiet
centre_party|centre: sp senterpartiet centerpartiet
christian_democrats|christian_democratic: krf kd kristelig_folkeparti kristeleg_folkeparti
socialist_left: sv sosialistisk_venstreparti
greens|green_party|green: mdg mp miljopartiet miljopartiet_de_gronne miljopartiet_dei_grone
social_democrats|social_democratic: socialdemokraterna socialdemokratiet
sweden_democrats: sd sverigedemokraterna
moderates|moderate_party: moderaterna
danish_people's_party: df dansk_folkeparti
liberal|liberals|liberal_party: venstre liberalerna
statistics_norway: ssb
statistics_sweden: scb
statistics_denmark: danmarks_statistik
foreign_ministry|foreign_affairs: ud utenriksdepartementet
world_war: vv1 vv2 verdenskrig verdenskrigen varldskriget verdskrigen
formula: formel
"""


@functools.cache
def exonyms() -> dict[str, tuple[str, ...]]:
    """Folded Nordic form ("koln", "stilla havet") → the English forms that render it."""
    table: dict[str, tuple[str, ...]] = {}
    for line in _TABLE.strip().splitlines():
        english, nordic = line.split(": ")
        forms = tuple(e.replace("_", " ") for e in english.split("|"))
        for name in nordic.split():
            key = name.replace("_", " ")
            table[key] = table.get(key, ()) + forms
    return table


@functools.cache
def phrase_starts() -> dict[str, tuple[str, ...]]:
    """First word of every multi-word Nordic form → the forms, longest first."""
    starts: dict[str, list[str]] = {}
    for key in exonyms():
        if " " in key:
            starts.setdefault(key.split()[0], []).append(key)
    return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in starts.items()}
