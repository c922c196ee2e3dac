package ukgsim

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"
)

type kind int

const (
	kString  kind = iota // string or null
	kNumber              // number or null
	kBool                // boolean or null
	kDate                // YYYY-MM-DDTHH:MM:SS[.f{1,3}] or null
	kNetDate             // M/D/YYYY h:mm:ss AM or ""
)

// fieldsFromDoc lists every field of ukgpro-api.md §7 per endpoint, with the
// type column of the document (copied from the tables, annotations removed).
var fieldsFromDoc = map[string]map[string]kind{
	"employee-demographic-details": {
		// string
		"ethnicDescription": kString, "additionalName1": kString, "additionalName2": kString, "addressId": kString, "addressIsOnTaxBoundary": kString, "disabilityType": kString, "formerName": kString, "healthBloodType": kString, "healthEyes": kString, "healthHair": kString, "healthHeightFeet": kString, "healthHeightInches": kString, "healthLastDonateDate": kString, "previousSSN": kString, "originCountry": kString, "originLocation": kString, "addressSms": kString, "lastNameNotSameAsSSCard": kString, "nationality1": kString, "nationality2": kString, "nationality3": kString, "personId": kString, "employeeId": kString, "companyId": kString, "firstName": kString, "middleName": kString, "lastName": kString, "preferredName": kString, "namePrefixCode": kString, "nameSuffixCode": kString, "emailAddress": kString, "emailAddressAlternate": kString, "homePhoneID": kString, "homePhone": kString, "homePhoneCountry": kString, "addressLine1": kString, "addressLine2": kString, "addressLine3": kString, "addressLine4": kString, "addressCity": kString, "addressState": kString, "addressZipCode": kString, "addressCountry": kString, "addressCounty": kString, "dateOfBirth": kString, "gender": kString, "ethnicIdCode": kString, "isDisabled": kString, "maritalStatusCode": kString, "ssn": kString, "userID": kString, "integrationRecordId": kString, "cellPhoneNumber": kString,
		// number
		"addressLatitude": kNumber, "healthWeight": kNumber,
		// boolean
		"homePhoneIsPrivate": kBool, "isSmoker": kBool, "ssnIsSuppressed": kBool,
	},
	"employee-employment-details": {
		// string
		"companyID": kString, "employeeID": kString, "homeCompany": kString, "primaryJobCode": kString, "orgLevel1Code": kString, "orgLevel2Code": kString, "orgLevel3Code": kString, "orgLevel4Code": kString, "fullTimeOrPartTimeCode": kString, "primaryWorkLocationCode": kString, "languageCode": kString, "primaryProjectCode": kString, "workPhoneNumber": kString, "workPhoneExtension": kString, "workPhoneCountry": kString, "deductionGroupCode": kString, "earningGroupCode": kString, "jobChangeReasonCode": kString, "jobTitle": kString, "employeeTypeCode": kString, "employeeStatusCode": kString, "employeeNumber": kString, "leaveReasonCode": kString, "supervisorID": kString, "autoAllocate": kString, "clockCode": kString, "payGroupCode": kString, "payPeriod": kString, "hireSource": kString, "jobCode": kString, "jobGroupCode": kString, "mailstop": kString, "okToRehire": kString, "plannedLeaveReason": kString, "positionCode": kString, "salaryOrHourly": kString, "shift": kString, "shiftGroup": kString, "terminationReasonCode": kString, "terminationDescription": kString, "termType": kString, "timeClockID": kString, "integrationRecordId": kString, "currentCompanyCountryCode": kString, "homeCompanyCountryCode": kString, "unionLocalCode": kString, "unionNationalCode": kString,
		// datetime
		"originalHireDate": kDate, "lastHireDate": kDate, "dateInJob": kDate, "dateLastWorked": kDate, "benefitSeniorityDate": kDate, "seniorityDate": kDate, "dateLastPayDatePaid": kDate, "earlyRetirementDate": kDate, "retirementDate": kDate, "suspensionDate": kDate, "terminationDate": kDate, "paidThruDate": kDate, "employeeStatusStartDate": kDate, "employeeStatusExpectedEndDate": kDate, "salaryEffectiveDate": kDate, "dateTimeCreated": kDate, "dateTimeChanged": kDate,
		// boolean
		"isHomeCompany": kBool, "isSupervisor": kBool, "isAutoAllocated": kBool, "isAutoPaid": kBool, "isHighlyCompensated": kBool, "isMultipleJob": kBool, "isKeyEmployee": kBool,
		// number
		"annualSalary": kNumber, "hourlyPayRate": kNumber, "scheduledAnnualHours": kNumber, "scheduledFTE": kNumber, "scheduledWorkHours": kNumber, "weeklyHours": kNumber,
	},
	"employment-details": {
		// string
		"companyID": kString, "companyCode": kString, "companyName": kString, "employeeID": kString, "jobDescription": kString, "payGroupDescription": kString, "primaryJobCode": kString, "orgLevel1Code": kString, "orgLevel2Code": kString, "orgLevel3Code": kString, "orgLevel4Code": kString, "fullTimeOrPartTimeCode": kString, "primaryWorkLocationCode": kString, "languageCode": kString, "primaryProjectCode": kString, "workPhoneNumber": kString, "workPhoneExtension": kString, "workPhoneCountry": kString, "deductionGroupCode": kString, "earningGroupCode": kString, "employeeTypeCode": kString, "employeeStatusCode": kString, "employeeNumber": kString, "jobChangeReasonCode": kString, "jobTitle": kString, "leaveReasonCode": kString, "supervisorID": kString, "supervisorFirstName": kString, "supervisorLastName": kString, "autoAllocate": kString, "clockCode": kString, "hireSource": kString, "isAutoAllocated": kString, "isAutopaid": kString, "isMultipleJob": kString, "jobGroupCode": kString, "mailstop": kString, "okToRehire": kString, "payGroup": kString, "payPeriod": kString, "plannedLeaveReason": kString, "positionCode": kString, "salaryOrHourly": kString, "shift": kString, "shiftGroup": kString, "termReason": kString, "terminationReasonDescription": kString, "termType": kString, "timeclockID": kString, "unionLocal": kString, "unionNational": kString, "supervisorEmployeeNumber": kString, "supervisorCOID": kString, "supervisorCompanyCode": kString, "companyGLSegment": kString, "locationGLSegment": kString,
		// datetime
		"originalHireDate": kDate, "lastHireDate": kDate, "dateInJob": kDate, "dateLastWorked": kDate, "dateOfBenefitSeniority": kDate, "dateOfSeniority": kDate, "dateLastPayDatePaid": kDate, "dateOfEarlyRetirement": kDate, "dateOfLocalUnion": kDate, "dateOfNationalUnion": kDate, "dateOfRetirement": kDate, "dateOfSuspension": kDate, "dateOfTermination": kDate, "datePaidThru": kDate, "statusStartDate": kDate, "dateTimeCreated": kDate, "dateTimeChanged": kDate,
		// number
		"scheduledAnnualHrs": kNumber, "scheduledFTE": kNumber, "scheduledWorkHrs": kNumber, "weeklyHours": kNumber,
	},
	"person-details": {
		// string
		"additionalName1": kString, "additionalName2": kString, "addressId": kString, "cobraExport": kString, "cobraReason": kString, "cobraStatus": kString, "communityBroadcastSmsCode": kString, "disabilityType": kString, "ethnicDescription": kString, "formerName": kString, "healthBloodType": kString, "healthEyes": kString, "healthHair": kString, "healthHeightFeet": kString, "healthHeightInches": kString, "i9AlienNumber": kString, "i9DocA": kString, "i9DocB": kString, "i9DocC": kString, "i9VisaType": kString, "i9WorkAuth": kString, "militaryBranchServed": kString, "militaryEra": kString, "militaryIsDisabledVet": kString, "militaryIsOthEligVet": kString, "militaryIsOthEligVetBasis": kString, "militaryIsActiveWartimeVet": kString, "nameFormer": kString, "previousSSN": kString, "originCountry": kString, "originLocation": kString, "cobraNotes": kString, "addressSms": kString, "militaryIsMedalVet": kString, "lastNameNotSameAsSSCard": kString, "chkCashingInstCode": kString, "nationality1": kString, "nationality2": kString, "nationality3": kString, "personId": kString, "employeeId": kString, "companyId": kString, "userName": kString, "firstName": kString, "middleName": kString, "lastName": kString, "preferredName": kString, "namePrefixCode": kString, "nameSufixCode": kString, "emailAddress": kString, "emailAddressAlternate": kString, "homePhone": kString, "homePhoneCountry": kString, "addressLine1": kString, "addressLine2": kString, "addressCity": kString, "addressState": kString, "addressZipCode": kString, "addressCountry": kString, "addressCounty": kString, "nationalId": kString, "nationalIdCountry": kString, "gender": kString, "ethnicIDCode": kString, "maritalStatusCode": kString, "ssn": kString,
		// boolean
		"addressIsOnTaxBoundary": kBool, "cobraIsActive": kBool, "consentElectronicW2": kBool, "consentElectronicw2pr": kBool, "i9Verified": kBool, "isDisabled": kBool, "isMultiPayGroup": kBool, "isSmoker": kBool, "militaryService": kBool, "w2IsDeceased": kBool, "homePhoneIsPrivate": kBool, "smsApprovals": kBool, "smsPayNotification": kBool, "ssnIsSuppressed": kBool,
		// number
		"addressLatitude": kNumber, "healthWeight": kNumber,
		// datetime
		"cobraStatusDate": kDate, "dateDeceased": kDate, "dateOfCobraEvent": kDate, "dateOfCobraExport": kDate, "dateOfCobraLetter": kDate, "dateOfI9Expiration": kDate, "datetimeChanged": kDate, "datetimeCreated": kDate, "healthLastDonateDate": kDate, "militarySeparationDate": kDate, "i9VisaExpirationDate": kDate, "dateOfBirth": kDate,
	},
	"compensation-details": {
		// string
		"employeeID": kString, "companyID": kString, "currencyCode": kString, "payGroupDescription": kString, "primaryJobCode": kString, "jobSalaryGrade": kString, "jobChangeReasonCode": kString, "jobGroupCode": kString, "jobTitle": kString, "payGroupCode": kString, "payPeriod": kString, "payScaleCode": kString, "salaryOrHourlyCode": kString, "fullTimeOrPartTimeCode": kString, "primaryShiftCode": kString, "primaryShiftGroupCode": kString, "emplStatus": kString, "distributionCenterCode": kString, "performanceReviewRating": kString, "performanceReviewType": kString,
		// number (money)
		"annualSalary": kNumber, "hourlyPayRate": kNumber, "weeklyPayRate": kNumber, "payPeriodPayRate": kNumber, "otherRate1": kNumber, "otherRate2": kNumber, "otherRate3": kNumber, "otherRate4": kNumber, "piecePayRate": kNumber, "avgPayRateCurPer": kNumber, "totalAnnSalary": kNumber,
		// number (hours)
		"scheduledFullTimeEquivalency": kNumber, "scheduledPeriodWorkHours": kNumber, "scheduledAnnualWorkHours": kNumber, "weeklyHours": kNumber, "bonusTotalHrs": kNumber, "bonusTotalOtHrs": kNumber,
		// integer
		"numberOfPayments": kNumber,
		// datetime
		"dateInJob": kDate, "dateLastPaid": kDate, "dateLastWorked": kDate, "dateOfLastSalaryReview": kDate, "dateOfNextSalayrReview": kDate, "datePaidThru": kDate,
		// boolean
		"isAutoAllocated": kBool, "isAutoPaid": kBool, "isSeasonalWorker": kBool, "isHighlyCompensated": kBool, "isMultipleJob": kBool,
	},
	"employee-job-history-details": {
		// string
		"companyId": kString, "employeeId": kString, "employeeType": kString, "employeeStatus": kString, "flsaCategory": kString, "fullTimeOrPartTime": kString, "jobCode": kString, "jobDescription": kString, "jobGroupCode": kString, "locationCode": kString, "orgLevel1Code": kString, "orgLevel2Code": kString, "orgLevel3Code": kString, "orgLevel4Code": kString, "payGroupCode": kString, "payPeriodCode": kString, "payScaleCode": kString, "positionCode": kString, "reasonCode": kString, "salaryGrade": kString, "salaryOrHourly": kString, "shiftCode": kString, "shiftGroupCode": kString, "supervisorId": kString, "supervisorNameFirst": kString, "supervisorNameLast": kString, "supervisorNameSuffix": kString, "systemId": kString, "unionNational": kString, "unionLocal": kString, "notes": kString, "homeCompanyId": kString, "projectCode": kString, "jobTitle": kString,
		// number (money)
		"annualSalary": kNumber, "hourlyPayRate": kNumber, "periodPayRate": kNumber, "weeklyPayRate": kNumber, "piecePayRate": kNumber, "otherRate1": kNumber, "otherRate2": kNumber, "otherRate3": kNumber, "otherRate4": kNumber, "percentChange": kNumber,
		// number (other, rendered like `0.0`)
		"scheduledAnnualHours": kNumber, "scheduledFullTimeEquivalency": kNumber, "scheduledWorkHours": kNumber, "stepNumber": kNumber, "numberOfPayments": kNumber, "weeklyHours": kNumber, "createdByUserId": kNumber,
		// datetime
		"dateTimeCreated": kDate, "jobEffectiveDate": kDate, "integrationEffectiveDate": kDate,
		// boolean
		"isJobChange": kBool, "isOrgchange": kBool, "isOutsideGuidelines": kBool, "isOutsideRange": kBool, "isPromotion": kBool, "isRateChange": kBool, "isSystem": kBool, "isTransfer": kBool, "supervisorNotInList": kBool, "usePayScales": kBool, "isViewableByEmployee": kBool,
	},
	"employee-changes": {
		// string
		"firstName": kString, "lastName": kString, "preferredName": kString, "emailAddress": kString, "countryCode": kString, "languageCode": kString, "employeeNumber": kString, "employeeId": kString, "personId": kString, "userIntegrationKey": kString, "companyName": kString, "companyId": kString, "supervisorId": kString, "salaryOrHourly": kString, "fullTimeOrPartTime": kString, "workLocationCode": kString, "jobCode": kString, "projectCode": kString, "orgLevel1Code": kString, "orgLevel2Code": kString, "orgLevel3Code": kString, "orgLevel4Code": kString, "middleName": kString, "workPhone": kString, "homePhone": kString, "employeeAddress1": kString, "employeeAddress2": kString, "city": kString, "state": kString, "zipCode": kString, "supervisorName": kString, "prefix": kString, "suffix": kString, "alternateEmailAddress": kString, "gender": kString, "employeeStatus": kString, "employeeType": kString, "jobGroupCode": kString, "alternateJobTitle": kString,
		// date text `M/D/YYYY h:mm:ss AM`
		"terminationDate": kNetDate, "hireDate": kNetDate, "emplStatusStartDate": kNetDate, "dateInJob": kNetDate, "dateOfLastHire": kNetDate,
		// boolean
		"isActive": kBool,
	}}

var (
	reDate    = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{0,2}[1-9])?$`)
	reNetDate = regexp.MustCompile(`^([1-9]|1[0-2])/([1-9]|[12]\d|3[01])/\d{4} ([1-9]|1[0-2]):[0-5]\d:[0-5]\d [AP]M$`)
)

func TestFieldNamesAndTypes(t *testing.T) {
	s, srv := newTestSim(t, Config{Employees: 300})
	if _, err := s.Advance(30); err != nil {
		t.Fatal(err)
	}
	for ep, fields := range fieldsFromDoc {
		t.Run(ep, func(t *testing.T) {
			path := "/personnel/v1/" + ep
			if ep == EndpointEmployeeChanges {
				path += "?startDate=2000-01-01"
			}
			recs := pageAll(t, srv, path, 1000)
			if len(recs) < 100 {
				t.Fatalf("only %d records", len(recs))
			}
			nonNull := map[string]bool{}
			for _, r := range recs {
				for f := range r {
					if _, ok := fields[f]; !ok {
						t.Fatalf("key %q is not in ukgpro-api.md for %s", f, ep)
					}
				}
				for f, k := range fields {
					v, ok := r[f]
					if !ok {
						t.Fatalf("key %q missing", f)
					}
					if v == nil {
						if ep == EndpointEmployeeChanges {
							t.Fatalf("%s is null; employee-changes uses \"\" for blanks", f)
						}
						continue
					}
					if v != "" {
						nonNull[f] = true
					}
					bad := false
					switch k {
					case kString:
						_, isStr := v.(string)
						bad = !isStr
					case kNumber:
						_, isNum := v.(float64)
						bad = !isNum
					case kBool:
						_, isBool := v.(bool)
						bad = !isBool
					case kDate:
						sv, _ := v.(string)
						bad = !reDate.MatchString(sv)
					case kNetDate:
						sv, _ := v.(string)
						bad = sv != "" && !reNetDate.MatchString(sv)
					}
					if bad {
						t.Fatalf("%s = %#v has the wrong type or format", f, v)
					}
				}
			}
			// The identifying keys are never blank.
			for _, f := range []string{"companyID", "companyId", "employeeID", "employeeId", "systemId"} {
				if _, ok := fields[f]; ok && !nonNull[f] {
					t.Fatalf("%s is always blank", f)
				}
			}
		})
	}
}

// Money and time formats that the sample payloads of ukgpro-api.md show.
func TestNumberAndDateRendering(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{string(appendDecimal(nil, 5824000, 2)), "58240.0"},
		{string(appendDecimal(nil, 4368050, 2)), "43680.5"},
		{string(appendDecimal(nil, 210000, 4)), "21.0"},
		{string(appendDecimal(nil, 214375, 4)), "21.4375"},
		{string(appendDecimal(nil, 1053, 2)), "10.53"},
		{string(appendDecimal(nil, -250, 2)), "-2.5"},
		{string(appendDecimal(nil, 0, 2)), "0.0"},
		{string(appendDecimal(nil, 52, 0)), "52.0"},
		{string(appendStamp(nil, mustMs("2023-03-29T08:24:30.160"))), "2023-03-29T08:24:30.16"},
		{string(appendStamp(nil, mustMs("2023-03-29T11:43:28.927"))), "2023-03-29T11:43:28.927"},
		{string(appendStamp(nil, mustMs("2024-06-01T02:15:40.900"))), "2024-06-01T02:15:40.9"},
		{string(appendStamp(nil, mustMs("2024-06-01T02:15:40.000"))), "2024-06-01T02:15:40"},
		{string(appendDate(nil, daysFrom(2021, 9, 20))), "2021-09-20"},
		{string(appendDate(nil, daysFrom(2000, 2, 29))), "2000-02-29"},
		{string((&jw{}).netDayOnly(daysFrom(1996, 1, 1))), `"1/1/1996 12:00:00 AM"`},
		{string((&jw{}).netDayOnly(daysFrom(2024, 12, 31))), `"12/31/2024 12:00:00 AM"`},
		{string(appendQuoted(nil, "O'Brien \"Zoë\" Nguyễn\n")), `"O'Brien \"Zoë\" Nguyễn\n"`},
	} {
		if tc.got != tc.want {
			t.Errorf("got %s, want %s", tc.got, tc.want)
		}
	}
	var v any
	if err := json.Unmarshal(appendQuoted(nil, "a\x01b\\c"), &v); err != nil || v != "a\x01b\\c" {
		t.Errorf("control characters: %v %q", err, v)
	}
}

func (w *jw) netDayOnly(d int32) []byte {
	w.netDay("x", d)
	return w.b[len(`"x":`):]
}

func mustMs(s string) int64 {
	t, err := timeParse(s)
	if err != nil {
		panic(err)
	}
	return t
}

func timeParse(s string) (int64, error) {
	t, err := time.Parse("2006-01-02T15:04:05.000", s)
	return t.UnixMilli(), err
}
