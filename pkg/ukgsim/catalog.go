package ukgsim

// Static code tables of the synthetic tenant. Records hold small indices into
// these tables; the strings are only read while rendering JSON.

type jobDef struct {
	code, title, group string
	family             int   // jobs of one family form a promotion ladder by level
	level              int   // 1 = entry
	hourly             bool  // paid by the hour (salaryOrHourly H)
	lowPay, highPay    int64 // hourly: rate in 1/10000; salaried: annual in cents
	grade              string
	mgr                bool // supervises people
}

var jobs = []jobDef{
	{"WHSASSOC", "Warehouse Associate", "OPS", 0, 1, true, 16_5000, 21_0000, "H1", false},
	{"WHSLEAD", "Warehouse Lead", "OPS", 0, 2, true, 21_0000, 27_5000, "H2", false},
	{"FORKOP", "Forklift Operator", "OPS", 0, 2, true, 19_2500, 24_7500, "H2", false},
	{"OPSSUP", "Operations Supervisor", "OPS", 0, 3, false, 58_000_00, 76_000_00, "S3", true},
	{"OPSMGR", "Operations Manager", "OPS", 0, 4, false, 82_000_00, 118_000_00, "S5", true},
	{"DRIVER", "Delivery Driver", "TRN", 1, 1, true, 18_0000, 26_0000, "H2", false},
	{"DISP", "Dispatcher", "TRN", 1, 2, true, 20_5000, 28_2500, "H3", false},
	{"DISPSUP", "Dispatch Supervisor", "TRN", 1, 3, false, 60_000_00, 80_000_00, "S3", true},
	{"CSR", "Customer Service Representative", "CS", 2, 1, true, 17_0000, 22_5000, "H1", false},
	{"CSLEAD", "Customer Service Lead", "CS", 2, 2, true, 21_5000, 27_0000, "H2", false},
	{"CSMGR", "Customer Service Manager", "CS", 2, 3, false, 64_000_00, 88_000_00, "S4", true},
	{"APCLERK", "Accounts Payable Clerk", "FIN", 3, 1, true, 19_0000, 25_0000, "H2", false},
	{"ACCT1", "Accountant I", "FIN", 3, 2, false, 55_000_00, 68_000_00, "S2", false},
	{"ACCT2", "Accountant II", "FIN", 3, 3, false, 66_000_00, 84_000_00, "S3", false},
	{"FINMGR", "Finance Manager", "FIN", 3, 4, false, 95_000_00, 135_000_00, "S5", true},
	{"HRCOORD", "HR Coordinator", "HR", 4, 1, true, 20_0000, 26_5000, "H2", false},
	{"HRGEN", "HR Generalist", "HR", 4, 2, false, 56_000_00, 72_000_00, "S2", false},
	{"HRBP", "HR Business Partner", "HR", 4, 3, false, 75_000_00, 98_000_00, "S4", false},
	{"HRMGR", "HR Manager", "HR", 4, 4, false, 90_000_00, 125_000_00, "S5", true},
	{"HELPDESK", "Help Desk Technician", "IT", 5, 1, true, 21_0000, 29_0000, "H3", false},
	{"DEV1", "Software Engineer I", "IT", 5, 2, false, 78_000_00, 98_000_00, "S3", false},
	{"DEV2", "Software Engineer II", "IT", 5, 3, false, 96_000_00, 125_000_00, "S4", false},
	{"SRDEV", "Senior Software Engineer", "IT", 5, 4, false, 120_000_00, 160_000_00, "S5", false},
	{"ITMGR", "IT Manager", "IT", 5, 5, false, 135_000_00, 175_000_00, "S6", true},
	{"SALESREP", "Sales Representative", "SLS", 6, 1, false, 48_000_00, 62_000_00, "S1", false},
	{"ACCTEXEC", "Account Executive", "SLS", 6, 2, false, 62_000_00, 85_000_00, "S3", false},
	{"SALESMGR", "Sales Manager", "SLS", 6, 3, false, 88_000_00, 120_000_00, "S5", true},
	{"DIR", "Director", "EXE", 7, 1, false, 140_000_00, 190_000_00, "S7", true},
	{"VP", "Vice President", "EXE", 7, 2, false, 185_000_00, 260_000_00, "S8", true},
}

// families[f] lists job indices of family f by ascending level.
var families = func() [][]int {
	var out [][]int
	for i, j := range jobs {
		for len(out) <= j.family {
			out = append(out, nil)
		}
		out[j.family] = append(out[j.family], i)
	}
	return out
}()

// org level 1 per job family, with its departments (level 2).
type orgDef struct {
	code string
	dept []string
}

var org1 = []orgDef{
	{"OPS", []string{"WHS", "INV", "SHIP"}},
	{"TRN", []string{"FLEET", "DISP"}},
	{"CUST", []string{"CARE", "RET"}},
	{"FIN", []string{"ACC", "AP", "FPA"}},
	{"HR", []string{"PEOP", "TAL"}},
	{"IT", []string{"APPS", "INFRA", "SUPP"}},
	{"SALES", []string{"FIELD", "INSIDE"}},
	{"EXEC", []string{"OFC"}},
}

var org3 = []string{"CC1010", "CC1020", "CC2010", "CC2020", "CC3010", "CC4010", "CC5010", "CC6010"}
var org4 = []string{"EAST", "WEST", "CENT", "SOUTH"}

type locDef struct {
	code, city, state, zip, county, country, phoneArea string
}

var locationsUS = []locDef{
	{"HQ", "Chicago", "IL", "60601", "Cook", "USA", "312"},
	{"DC1", "Columbus", "OH", "43215", "Franklin", "USA", "614"},
	{"DC2", "Memphis", "TN", "38103", "Shelby", "USA", "901"},
	{"ATL01", "Atlanta", "GA", "30303", "Fulton", "USA", "404"},
	{"DAL02", "Dallas", "TX", "75201", "Dallas", "USA", "214"},
	{"SEA01", "Seattle", "WA", "98101", "King", "USA", "206"},
	{"PHX01", "Phoenix", "AZ", "85004", "Maricopa", "USA", "602"},
	{"BOS01", "Boston", "MA", "02108", "Suffolk", "USA", "617"},
	{"DEN01", "Denver", "CO", "80202", "Denver", "USA", "303"},
	{"REMOTE", "Minneapolis", "MN", "55401", "Hennepin", "USA", "612"},
}

var locationsCA = []locDef{
	{"TOR01", "Toronto", "ON", "M5H 2N2", "", "CAN", "416"},
	{"VAN01", "Vancouver", "BC", "V6B 1A1", "", "CAN", "604"},
	{"MTL01", "Montréal", "QC", "H2Y 1C6", "", "CAN", "514"},
}

type companyDef struct {
	code, name, domain string
}

var companyNames = []companyDef{
	{"NWL", "Northwind Logistics", "northwind.example"},
	{"CNH", "Contoso Health Services", "contoso.example"},
	{"FBR", "Fabrikam Retail Group", "fabrikam.example"},
	{"TSP", "Tailspin Aviation Canada", "tailspin.example"},
	{"WWI", "Wide World Importers", "wideworld.example"},
	{"ADV", "Adventure Works Cycles", "adventure-works.example"},
	{"LIT", "Litware Inc.", "litware.example"},
	{"PRS", "Proseware", "proseware.example"},
}

type reasonDef struct{ code, desc string }

// Job-history reason codes (tenant table; numeric-looking strings).
const (
	rsnHire = iota
	rsnRehire
	rsnMerit
	rsnMarket
	rsnPromotion
	rsnTransfer
	rsnReorg
	rsnReclass
	rsnLeave
	rsnReturn
	rsnSuspend
	rsnStrike
	rsnRelease
	rsnTerm
	rsnCOLA
)

var reasons = []reasonDef{
	{"100", "New Hire"}, {"101", "Rehire"}, {"200", "Merit Increase"}, {"201", "Market Adjustment"},
	{"300", "Promotion"}, {"310", "Transfer"}, {"320", "Reorganization"}, {"330", "Job Reclassification"},
	{"400", "Leave of Absence"}, {"410", "Return from Leave"}, {"420", "Suspension"}, {"430", "Strike"},
	{"440", "Released"}, {"500", "Termination"}, {"210", "Cost of Living Adjustment"},
}

type termDef struct {
	code, desc string
	typ        byte // V or I
}

var termReasons = []termDef{
	{"RES", "Resignation", 'V'}, {"JOB", "Accepted another job", 'V'}, {"REL", "Relocation", 'V'},
	{"RET", "Retirement", 'V'}, {"PER", "Performance", 'I'}, {"MIS", "Misconduct", 'I'},
	{"RIF", "Reduction in force", 'I'}, {"ATT", "Attendance", 'I'},
}

var leaveReasons = []reasonDef{
	{"FMLA", "Family and medical leave"}, {"MED", "Medical leave"}, {"PAR", "Parental leave"},
	{"MIL", "Military leave"}, {"PER", "Personal leave"},
}

var empTypes = []string{"REG", "REG", "REG", "REG", "REG", "REG", "REG", "REG", "TMP", "CON", "INT", "SUM", "STU"}

type payGroupDef struct {
	code, desc string
	period     byte
	payments   int64
}

var payGroups = []payGroupDef{
	{"WKLY", "Weekly Hourly", 'W', 52},
	{"BIWK", "Biweekly", 'B', 26},
	{"SEMI", "Semi-Monthly", 'S', 24},
	{"MNTH", "Monthly", 'M', 12},
}

var shifts = []string{"D", "D", "D", "E", "N"}
var ethnicCodes = []struct{ code, desc string }{
	{"1", "White"}, {"2", "Black or African American"}, {"3", "Hispanic or Latino"}, {"4", "Asian"},
	{"5", "American Indian or Alaska Native"}, {"6", "Native Hawaiian or Other Pacific Islander"}, {"7", "Two or More Races"},
}
var maritalCodes = []string{"S", "M", "M", "D", "W", "P"}
var streets = []string{"Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Park Blvd", "Lakeview Rd", "Elm St", "Washington Ave", "Rue Saint-Denis", "Hillcrest Ct", "Pine St", "Sunset Blvd"}
var suffixes = []string{"Jr.", "Sr.", "II", "III"}
var languages = []string{"EN", "EN", "EN", "EN", "ES", "FR"}

type nameDef struct {
	name   string
	ascii  string // lower-case ASCII folding, for e-mail addresses and user names
	female bool
}

var firstNames = foldNames([]nameDef{
	{name: "Dana", female: true}, {name: "José"}, {name: "Zoë", female: true}, {name: "Łukasz"}, {name: "Søren"},
	{name: "Mary", female: true}, {name: "James"}, {name: "Patricia", female: true}, {name: "Robert"}, {name: "Jennifer", female: true},
	{name: "Michael"}, {name: "Linda", female: true}, {name: "William"}, {name: "Elizabeth", female: true}, {name: "David"},
	{name: "Barbara", female: true}, {name: "Richard"}, {name: "Susan", female: true}, {name: "Joseph"}, {name: "Jessica", female: true},
	{name: "Thomas"}, {name: "Sarah", female: true}, {name: "Charles"}, {name: "Karen", female: true}, {name: "Christopher"},
	{name: "Nancy", female: true}, {name: "Daniel"}, {name: "Lisa", female: true}, {name: "Matthew"}, {name: "Betty", female: true},
	{name: "Anthony"}, {name: "Margaret", female: true}, {name: "Mark"}, {name: "Sandra", female: true}, {name: "Donald"},
	{name: "Ashley", female: true}, {name: "Steven"}, {name: "Kimberly", female: true}, {name: "Paul"}, {name: "Emily", female: true},
	{name: "Andrew"}, {name: "Donna", female: true}, {name: "Joshua"}, {name: "Michelle", female: true}, {name: "Kenneth"},
	{name: "Chloé", female: true}, {name: "François"}, {name: "Björn"}, {name: "Siobhán", female: true}, {name: "Mónica", female: true},
	{name: "Aoife", female: true}, {name: "Jürgen"}, {name: "Anaïs", female: true}, {name: "Renée", female: true}, {name: "Ngọc", female: true},
	{name: "Thảo", female: true}, {name: "Minh"}, {name: "Wei"}, {name: "Mei", female: true}, {name: "Hiroshi"},
	{name: "Yuki", female: true}, {name: "Priya", female: true}, {name: "Arjun"}, {name: "Fatima", female: true}, {name: "Omar"},
	{name: "Chidi"}, {name: "Amara", female: true}, {name: "Kwame"}, {name: "Ingrid", female: true}, {name: "Małgorzata", female: true},
	{name: "Dmitri"}, {name: "Olga", female: true}, {name: "Sean"}, {name: "Niamh", female: true}, {name: "Luis"},
	{name: "Sofía", female: true}, {name: "Mateo"}, {name: "Valentina", female: true}, {name: "Ahmed"}, {name: "Leïla", female: true},
	{name: "Tomás"}, {name: "Inês", female: true}, {name: "Håkon"}, {name: "Åsa", female: true}, {name: "Jean-Luc"},
	{name: "Mary-Kate", female: true}, {name: "Lee"}, {name: "Jordan"}, {name: "Taylor", female: true}, {name: "Kai"},
})

var lastNames = foldNames([]nameDef{
	{name: "Okafor"}, {name: "Smith"}, {name: "Johnson"}, {name: "Williams"}, {name: "Brown"}, {name: "Jones"},
	{name: "Garcia"}, {name: "García"}, {name: "Miller"}, {name: "Davis"}, {name: "Rodríguez"}, {name: "Martinez"},
	{name: "Hernández"}, {name: "Lopez"}, {name: "Gonzalez"}, {name: "Wilson"}, {name: "Anderson"}, {name: "Thomas"},
	{name: "Taylor"}, {name: "Moore"}, {name: "Jackson"}, {name: "Martin"}, {name: "Lee"}, {name: "Perez"},
	{name: "Thompson"}, {name: "White"}, {name: "Harris"}, {name: "Sanchez"}, {name: "Clark"}, {name: "Ramirez"},
	{name: "Lewis"}, {name: "Robinson"}, {name: "Walker"}, {name: "Young"}, {name: "Allen"}, {name: "King"},
	{name: "O'Brien"}, {name: "O'Neill"}, {name: "McDonald"}, {name: "Nguyễn"}, {name: "Trần"}, {name: "Lê"},
	{name: "Müller"}, {name: "Schäfer"}, {name: "Kowalski"}, {name: "Wiśniewski"}, {name: "Søndergaard"}, {name: "Østergaard"},
	{name: "Dvořák"}, {name: "Novák"}, {name: "Þórsson"}, {name: "Andrésdóttir"}, {name: "Zhang"}, {name: "Wang"},
	{name: "Li"}, {name: "Chen"}, {name: "Kim"}, {name: "Park"}, {name: "Tanaka"}, {name: "Suzuki"},
	{name: "Patel"}, {name: "Sharma"}, {name: "Singh"}, {name: "Haddad"}, {name: "Mensah"}, {name: "Adeyemi"},
	{name: "Ivanov"}, {name: "Petrović"}, {name: "Kovačević"}, {name: "Fernández"}, {name: "Gómez"}, {name: "Côté"},
	{name: "Lefèvre"}, {name: "Gauthier"}, {name: "Bergström"}, {name: "Lindqvist"}, {name: "Van der Berg"}, {name: "De Luca"},
	{name: "Marsh"}, {name: "Hughes"}, {name: "Price"}, {name: "Bennett"}, {name: "Wood"}, {name: "Barnes"},
	{name: "Ross"}, {name: "Henderson"}, {name: "Coleman"}, {name: "Jenkins"}, {name: "Perry"}, {name: "Powell"},
	{name: "Long"}, {name: "Patterson"}, {name: "Flores"}, {name: "Washington"}, {name: "Butler"}, {name: "Simmons"},
})

func foldNames(ns []nameDef) []nameDef {
	for i := range ns {
		ns[i].ascii = asciiFold(ns[i].name)
	}
	return ns
}

// asciiFold lower-cases s and folds it to ASCII letters, dropping anything
// else (apostrophes, spaces, hyphens), for e-mail addresses.
func asciiFold(s string) string {
	var b []byte
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b = append(b, byte(r))
		case r >= 'A' && r <= 'Z':
			b = append(b, byte(r-'A'+'a'))
		default:
			b = append(b, foldRune(r)...)
		}
	}
	return string(b)
}

func foldRune(r rune) string {
	switch r {
	case 'á', 'à', 'â', 'ä', 'ã', 'å', 'Á', 'Å', 'ả', 'ạ':
		return "a"
	case 'ç', 'Ç':
		return "c"
	case 'é', 'è', 'ê', 'ë', 'É', 'ễ', 'ệ':
		return "e"
	case 'í', 'ì', 'î', 'ï', 'Í':
		return "i"
	case 'ñ', 'Ñ':
		return "n"
	case 'ó', 'ò', 'ô', 'ö', 'õ', 'ø', 'Ø', 'Ó', 'ọ':
		return "o"
	case 'ú', 'ù', 'û', 'ü', 'Ü', 'ư':
		return "u"
	case 'ý', 'ÿ':
		return "y"
	case 'ł', 'Ł':
		return "l"
	case 'ś', 'Ś', 'š', 'Š':
		return "s"
	case 'ž', 'Ž', 'ź', 'ż':
		return "z"
	case 'č', 'Č', 'ć':
		return "c"
	case 'ř', 'Ř':
		return "r"
	case 'ð', 'đ', 'Đ':
		return "d"
	case 'þ', 'Þ':
		return "th"
	case 'ß':
		return "ss"
	case 'æ', 'Æ':
		return "ae"
	case 'ầ', 'ấ', 'ậ', 'ẩ', 'ẫ', 'ă', 'ắ':
		return "a"
	case 'ồ', 'ố', 'ộ', 'ổ', 'ỗ', 'ơ', 'ớ', 'ờ', 'ợ':
		return "o"
	case 'ế', 'ề', 'ể':
		return "e"
	case 'ị', 'ỉ':
		return "i"
	}
	return ""
}
