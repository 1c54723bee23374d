"""Small vocabularies the generators draw realistic-looking values from.

Plain lists written for arena (no external data set): enough variety that values look real
and indexes see realistic cardinality, small enough to keep in memory as numpy object arrays.
"""

from __future__ import annotations


def _split(text: str) -> list[str]:
    return text.split()


FIRST_NAMES = _split(
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy "
    "Matthew Betty Anthony Sandra Mark Margaret Donald Ashley Steven Kimberly Andrew Emily "
    "Paul Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Melissa George Deborah "
    "Timothy Stephanie Ronald Rebecca Jason Sharon Edward Laura Jeffrey Cynthia Ryan Amy "
    "Jacob Kathleen Gary Angela Nicholas Shirley Eric Brenda Jonathan Emma Stephen Anna "
    "Larry Pamela Justin Nicole Scott Samantha Brandon Katherine Benjamin Christine Samuel "
    "Helen Gregory Debra Alexander Rachel Patrick Carolyn Frank Janet Raymond Maria Jack "
    "Olivia Dennis Heather Jerry Diane Tyler Julie Aaron Joyce Jose Victoria Adam Ruth "
    "Nathan Virginia Henry Lauren Zachary Kelly Douglas Christina Peter Joan Kyle Evelyn "
    "Noah Judith Ethan Andrea Jeremy Hannah Walter Megan Christian Cheryl Keith Jacqueline "
    "Roger Martha Terry Madison Austin Teresa Sean Gloria Gerald Sara Carl Janice Harold "
    "Ann Dylan Kathryn Arthur Abigail Lawrence Sophia Jordan Frances Jesse Jean Bryan Alice "
    "Billy Judy Bruce Isabella Gabriel Julia Joe Grace Logan Amber Alan Denise Juan Danielle "
    "Albert Marilyn Willie Beverly Elijah Charlotte Wayne Natalie Randy Theresa Vincent Diana "
    "Mason Brittany Roy Doris Ralph Kayla Bobby Alexis Russell Lori Bradley Marie Philip "
    "Aisha Kenji Priya Mateo Lucia Wei Yuki Omar Fatima Luca Ingrid Sven Chloe Ravi Mei"
)

LAST_NAMES = _split(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
    "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter "
    "Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart "
    "Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed "
    "Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray "
    "Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez "
    "Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales "
    "Fisher Vasquez Simmons Romero Jordan Patterson Alexander Hamilton Graham Reynolds "
    "Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar "
    "Stevens Murray Ford Castro Marshall Owens Harrison Fernandez McDonald Woods Washington "
    "Kennedy Wells Vargas Henry Chen Freeman Webb Tucker Guzman Burns Crawford Olson Simpson "
    "Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Munoz Hunt Hicks Holmes Palmer "
    "Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice Schmidt Garza "
    "Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant Dunn Kelley "
    "Tanaka Sato Muller Rossi Novak Kowalski Larsen Dubois Okafor Mensah Singh Wang Li Zhang"
)

EMAIL_DOMAINS = _split(
    "example.com example.org example.net mail.example.com inbox.example.org "
    "post.example.net corp.example.com shop.example.org"
)

CITIES = _split(
    "Springfield Riverside Franklin Greenville Bristol Clinton Fairview Salem Madison "
    "Georgetown Arlington Ashland Dover Oxford Jackson Burlington Manchester Milton Newport "
    "Auburn Dayton Lexington Milford Winchester Hudson Kingston Marion Centerville Chester "
    "Lisbon Porto Lyon Hamburg Leeds Osaka Austin Denver Portland Boston Seattle Chicago "
    "Toronto Dublin Madrid Vienna Prague Warsaw Oslo Helsinki Zurich Geneva Munich Milan"
)

COUNTRIES = _split(
    "US GB DE FR ES IT NL BE PT IE SE NO DK FI PL CZ AT CH CA MX BR AR JP KR IN AU NZ ZA"
)

REGIONS = _split("CA TX NY FL IL PA OH GA NC MI NJ VA WA AZ MA TN IN MO MD WI CO MN")

STREET_NAMES = _split(
    "Main Oak Pine Maple Cedar Elm Washington Lake Hill Park Walnut Sunset Highland Church "
    "Mill River Spring Ridge Meadow Forest Valley Willow Chestnut Lincoln Jackson Franklin"
)

STREET_TYPES = _split("St Ave Rd Blvd Ln Dr Ct Way Pl Terrace")

COMPANY_WORDS = _split(
    "Acme Globex Initech Umbrella Stark Wayne Wonka Soylent Hooli Vandelay Cyberdyne Tyrell "
    "Aperture Massive Dynamic Nakatomi Oscorp Pied Piper Gringotts Monarch Northwind Contoso"
)

COMPANY_SUFFIXES = _split("Inc LLC Ltd Group Labs Systems Partners Holdings Co")

# Lower-case words for text, titles, slugs and product names.
WORDS = _split(
    "the of and to in is you that it he was for on are as with his they at be this have from "
    "or one had by word but not what all were we when your can said there use an each which "
    "she do how their if will up other about out many then them these so some her would make "
    "like him into time has look two more write go see number no way could people my than "
    "first water been call who oil its now find long down day did get come made may part "
    "system data table query index server engine load speed cache network storage cloud "
    "order product price customer market design team project report review update release "
    "quality support account service payment delivery stock value feature issue plan launch "
    "simple quick bright green blue red small large modern classic premium basic smart light "
    "strong fresh local global daily weekly secure open clear easy fast slow new old great"
)

PRODUCT_NOUNS = _split(
    "Chair Table Lamp Desk Shelf Sofa Mug Bottle Backpack Jacket Shirt Shoes Watch Headphones "
    "Speaker Keyboard Mouse Monitor Camera Phone Tablet Charger Cable Notebook Pen Blender "
    "Kettle Toaster Pan Knife Towel Pillow Blanket Rug Plant Candle Frame Clock Bag Wallet"
)

STATUS_WORDS = _split("active pending completed cancelled archived draft published shipped")

COLORS = _split("red green blue black white gray silver gold orange purple yellow navy teal")

CURRENCIES = _split("USD EUR GBP JPY CHF CAD AUD SEK NOK DKK PLN")
