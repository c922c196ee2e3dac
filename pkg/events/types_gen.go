// Code generated from schemas/ by TestGeneratedTypes; DO NOT EDIT.

package events

// Company is a record of the companies topic (schema companies/v1.0, UKG C1 /configuration/v1/company-details).
type Company struct {
	CompanyID            string  `json:"companyID"`
	MasterCompanyID      *string `json:"masterCompanyId"`
	CompanyCode          *string `json:"companyCode"`
	CompanyName          *string `json:"companyName"`
	IsMasterCompany      *string `json:"isMasterCompany"`
	AddressLine1         *string `json:"addressLine1"`
	AddressLine2         *string `json:"addressLine2"`
	AddressCity          *string `json:"addressCity"`
	AddressState         *string `json:"addressState"`
	AddressZipCode       *string `json:"addressZipCode"`
	AddressCountry       *string `json:"addressCountry"`
	AddressCounty        *string `json:"addressCounty"`
	PhoneNumber          *string `json:"phoneNumber"`
	PhoneNumberExtension *string `json:"phoneNumberExtension"`
	FederalTaxID         *string `json:"federalTaxId"`
	OrgLevel1Code        *string `json:"orgLevel1Code"`
	OrgLevel2Code        *string `json:"orgLevel2Code"`
	OrgLevel3Code        *string `json:"orgLevel3Code"`
	OrgLevel4Code        *string `json:"orgLevel4Code"`
}

// Compensation is a record of the compensation topic (schema compensation/v1.0, UKG E5 /personnel/v1/compensation-details).
type Compensation struct {
	CompanyID                    string  `json:"companyID"`
	EmployeeID                   string  `json:"employeeID"`
	CurrencyCode                 *string `json:"currencyCode"`
	PayGroupDescription          *string `json:"payGroupDescription"`
	PrimaryJobCode               *string `json:"primaryJobCode"`
	JobSalaryGrade               *string `json:"jobSalaryGrade"`
	JobChangeReasonCode          *string `json:"jobChangeReasonCode"`
	JobGroupCode                 *string `json:"jobGroupCode"`
	JobTitle                     *string `json:"jobTitle"`
	PayGroupCode                 *string `json:"payGroupCode"`
	PayPeriod                    *string `json:"payPeriod"`
	PayScaleCode                 *string `json:"payScaleCode"`
	SalaryOrHourlyCode           *string `json:"salaryOrHourlyCode"`
	FullTimeOrPartTimeCode       *string `json:"fullTimeOrPartTimeCode"`
	PrimaryShiftCode             *string `json:"primaryShiftCode"`
	PrimaryShiftGroupCode        *string `json:"primaryShiftGroupCode"`
	EmplStatus                   *string `json:"emplStatus"`
	DistributionCenterCode       *string `json:"distributionCenterCode"`
	PerformanceReviewRating      *string `json:"performanceReviewRating"`
	PerformanceReviewType        *string `json:"performanceReviewType"`
	AnnualSalary                 Decimal `json:"annualSalary"`
	HourlyPayRate                Decimal `json:"hourlyPayRate"`
	WeeklyPayRate                Decimal `json:"weeklyPayRate"`
	PayPeriodPayRate             Decimal `json:"payPeriodPayRate"`
	OtherRate1                   Decimal `json:"otherRate1"`
	OtherRate2                   Decimal `json:"otherRate2"`
	OtherRate3                   Decimal `json:"otherRate3"`
	OtherRate4                   Decimal `json:"otherRate4"`
	PiecePayRate                 Decimal `json:"piecePayRate"`
	AvgPayRateCurPer             Decimal `json:"avgPayRateCurPer"`
	TotalAnnSalary               Decimal `json:"totalAnnSalary"`
	ScheduledFullTimeEquivalency Decimal `json:"scheduledFullTimeEquivalency"`
	ScheduledPeriodWorkHours     Decimal `json:"scheduledPeriodWorkHours"`
	ScheduledAnnualWorkHours     Decimal `json:"scheduledAnnualWorkHours"`
	WeeklyHours                  Decimal `json:"weeklyHours"`
	BonusTotalHrs                Decimal `json:"bonusTotalHrs"`
	BonusTotalOtHrs              Decimal `json:"bonusTotalOtHrs"`
	NumberOfPayments             *Int    `json:"numberOfPayments"`
	DateInJob                    Date    `json:"dateInJob"`
	DateLastPaid                 Date    `json:"dateLastPaid"`
	DateLastWorked               Date    `json:"dateLastWorked"`
	DateOfLastSalaryReview       Date    `json:"dateOfLastSalaryReview"`
	DateOfNextSalayrReview       Date    `json:"dateOfNextSalayrReview"`
	DatePaidThru                 Date    `json:"datePaidThru"`
	IsAutoAllocated              *bool   `json:"isAutoAllocated"`
	IsAutoPaid                   *bool   `json:"isAutoPaid"`
	IsSeasonalWorker             *bool   `json:"isSeasonalWorker"`
	IsHighlyCompensated          *bool   `json:"isHighlyCompensated"`
	IsMultipleJob                *bool   `json:"isMultipleJob"`
}

// Contact is a record of the contacts topic (schema contacts/v1.0, UKG P1 /personnel/v1/contacts).
type Contact struct {
	CompanyID                      string    `json:"companyId"`
	EmployeeID                     string    `json:"employeeId"`
	ContactID                      string    `json:"contactId"`
	PersonID                       *string   `json:"personID"`
	AddressID                      *string   `json:"addressID"`
	WorkPhoneID                    *string   `json:"workPhoneId"`
	HomePhoneID                    *string   `json:"homePhoneId"`
	OtherPhoneID                   *string   `json:"otherPhoneId"`
	ImportID                       *string   `json:"importId"`
	FirstName                      *string   `json:"firstName"`
	MiddleName                     *string   `json:"middleName"`
	LastName                       *string   `json:"lastName"`
	NameSuffix                     *string   `json:"nameSuffix"`
	FormerName                     *string   `json:"formerName"`
	Gender                         *string   `json:"gender"`
	Ssn                            *string   `json:"ssn"`
	NationalID                     *string   `json:"nationalId"`
	HealthCareID                   *string   `json:"healthCareId"`
	Occupation                     *string   `json:"occupation"`
	OtherInsurance                 *string   `json:"otherInsurance"`
	EmailAddress                   *string   `json:"emailAddress"`
	RelationshipCode               *string   `json:"relationshipCode"`
	RelationshipDescription        *string   `json:"relationshipDescription"`
	IsEmergencyContact             *bool     `json:"isEmergencyContact"`
	IsDependent                    *bool     `json:"isDependent"`
	IsBeneficiary                  *bool     `json:"isBeneficiary"`
	IsActive                       *bool     `json:"isActive"`
	IsDisabled                     *bool     `json:"isDisabled"`
	IsSmoker                       *bool     `json:"isSmoker"`
	IsStudent                      *bool     `json:"isStudent"`
	AddressIsDifferentFromEmployee *bool     `json:"addressIsDifferentFromEmployee"`
	CobraExport                    *bool     `json:"cobraExport"`
	CobraIsActive                  *bool     `json:"cobraIsActive"`
	AddressLine1                   *string   `json:"addressLine1"`
	AddressLine2                   *string   `json:"addressLine2"`
	City                           *string   `json:"city"`
	State                          *string   `json:"state"`
	ZipCode                        *string   `json:"zipCode"`
	County                         *string   `json:"county"`
	CountryCode                    *string   `json:"countryCode"`
	HomePhoneNumber                *string   `json:"homePhoneNumber"`
	HomePhoneCountry               *string   `json:"homePhoneCountry"`
	WorkPhoneNumber                *string   `json:"workPhoneNumber"`
	WorkPhoneExtension             *string   `json:"workPhoneExtension"`
	OtherPhoneNumber               *string   `json:"otherPhoneNumber"`
	OtherPhoneType                 *string   `json:"otherPhoneType"`
	OtherPhoneCountryCode          *string   `json:"otherPhoneCountryCode"`
	PreferredPhoneNumber           *string   `json:"preferredPhoneNumber"`
	CobraReason                    *string   `json:"cobraReason"`
	CobraStatus                    *string   `json:"cobraStatus"`
	CobraNotes                     *string   `json:"cobraNotes"`
	Notes                          *string   `json:"notes"`
	UserDefinedField01             *string   `json:"userDefinedField01"`
	DateOfBirth                    Timestamp `json:"dateOfBirth"`
	MarriageDate                   Timestamp `json:"marriageDate"`
	DivorceDate                    Timestamp `json:"divorceDate"`
	DeathDate                      Timestamp `json:"deathDate"`
	StatusAsOfDate                 Timestamp `json:"statusAsOfDate"`
	CobraStatusDate                Timestamp `json:"cobraStatusDate"`
	DateOfCOBRAEvent               Timestamp `json:"dateOfCOBRAEvent"`
	DateOfCOBRALetter              Timestamp `json:"dateOfCOBRALetter"`
	NationalIDExpirationDate       Timestamp `json:"nationalIdExpirationDate"`
}

// Contract is a record of the contracts topic (schema contracts/v1.0, UKG K1 /personnel/v1/employee-contract-details).
type Contract struct {
	CompanyID               string    `json:"companyId"`
	EmployeeID              string    `json:"employeeId"`
	EmploymentContractID    Int       `json:"employmentContractId"`
	ContractNumber          *string   `json:"contractNumber"`
	ContractTypeCode        *string   `json:"contractTypeCode"`
	ContractTypeDescription *string   `json:"contractTypeDescription"`
	ContractReason          *string   `json:"contractReason"`
	Notes                   *string   `json:"notes"`
	IsAmendment             *string   `json:"isAmendment"`
	IsRenewal               *string   `json:"isRenewal"`
	ContractStartDate       Timestamp `json:"contractStartDate"`
	ContractEndDate         Timestamp `json:"contractEndDate"`
	AmendmentDate           Timestamp `json:"amendmentDate"`
	DateTimeCreated         Timestamp `json:"dateTimeCreated"`
	RowLastChanged          Timestamp `json:"rowLastChanged"`
	DurationDays            Decimal   `json:"durationDays"`
	DurationWeeks           Decimal   `json:"durationWeeks"`
	DurationMonths          Decimal   `json:"durationMonths"`
	DurationYears           Decimal   `json:"durationYears"`
	NoticePeriodDays        Decimal   `json:"noticePeriodDays"`
	NoticePeriodWeeks       Decimal   `json:"noticePeriodWeeks"`
	NoticePeriodMonths      Decimal   `json:"noticePeriodMonths"`
	NoticePeriodYears       Decimal   `json:"noticePeriodYears"`
	RehirePeriodDays        Decimal   `json:"rehirePeriodDays"`
	RehirePeriodWeeks       Decimal   `json:"rehirePeriodWeeks"`
	RehirePeriodMonths      Decimal   `json:"rehirePeriodMonths"`
	RehirePeriodYears       Decimal   `json:"rehirePeriodYears"`
	ProbationaryDays        Decimal   `json:"probationaryDays"`
	FteContractHours        Decimal   `json:"fteContractHours"`
	RenewalContractID       Decimal   `json:"renewalContractId"`
}

// DirectDeposit is a record of the direct-deposit topic (schema direct-deposit/v1.0, UKG B1 /payroll/v1/direct-deposit).
type DirectDeposit struct {
	CompanyID                      string    `json:"companyId"`
	EmployeeID                     string    `json:"employeeId"`
	AccountRecordID                string    `json:"accountRecordId"`
	SequenceNumber                 *string   `json:"sequenceNumber"`
	EmployeeBankID                 *string   `json:"employeeBankId"`
	EmployeeBankName               *string   `json:"employeeBankName"`
	EmployeeBankRoutingNumber      *string   `json:"employeeBankRoutingNumber"`
	EmployeeBankRoutingNumberLast4 *string   `json:"employeeBankRoutingNumberLast4"`
	EmployeeInstitutionNumber      *string   `json:"employeeInstitutionNumber"`
	EmployeeInstitutionNumberLast4 *string   `json:"employeeInstitutionNumberLast4"`
	Account                        *string   `json:"account"`
	AccountLast4                   *string   `json:"accountLast4"`
	AccountType                    *string   `json:"accountType"`
	ForeignAccountNumber           *string   `json:"foreignAccountNumber"`
	ForeignAccountNumberLast4      *string   `json:"foreignAccountNumberLast4"`
	ForeignAccountNumberType       *string   `json:"foreignAccountNumberType"`
	AmountOrPercent                Decimal   `json:"amountOrPercent"`
	DepositRule                    *string   `json:"depositRule"`
	DirectDepositOrPrenote         *string   `json:"directDepositOrPrenote"`
	Description                    *string   `json:"description"`
	CountryCode                    *string   `json:"countryCode"`
	FirstPrenotePayDate            Timestamp `json:"firstPrenotePayDate"`
	DateTimeChanged                Timestamp `json:"dateTimeChanged"`
	AccountIsInactive              *bool     `json:"accountIsInactive"`
}

// Employee is a record of the employees topic (schema employees/v1.0, UKG E2 /personnel/v1/employee-employment-details).
type Employee struct {
	CompanyID                     string    `json:"companyID"`
	EmployeeID                    string    `json:"employeeID"`
	HomeCompany                   *string   `json:"homeCompany"`
	PrimaryJobCode                *string   `json:"primaryJobCode"`
	OrgLevel1Code                 *string   `json:"orgLevel1Code"`
	OrgLevel2Code                 *string   `json:"orgLevel2Code"`
	OrgLevel3Code                 *string   `json:"orgLevel3Code"`
	OrgLevel4Code                 *string   `json:"orgLevel4Code"`
	FullTimeOrPartTimeCode        *string   `json:"fullTimeOrPartTimeCode"`
	PrimaryWorkLocationCode       *string   `json:"primaryWorkLocationCode"`
	LanguageCode                  *string   `json:"languageCode"`
	PrimaryProjectCode            *string   `json:"primaryProjectCode"`
	WorkPhoneNumber               *string   `json:"workPhoneNumber"`
	WorkPhoneExtension            *string   `json:"workPhoneExtension"`
	WorkPhoneCountry              *string   `json:"workPhoneCountry"`
	DeductionGroupCode            *string   `json:"deductionGroupCode"`
	EarningGroupCode              *string   `json:"earningGroupCode"`
	JobChangeReasonCode           *string   `json:"jobChangeReasonCode"`
	JobTitle                      *string   `json:"jobTitle"`
	EmployeeTypeCode              *string   `json:"employeeTypeCode"`
	EmployeeStatusCode            *string   `json:"employeeStatusCode"`
	EmployeeNumber                *string   `json:"employeeNumber"`
	LeaveReasonCode               *string   `json:"leaveReasonCode"`
	SupervisorID                  *string   `json:"supervisorID"`
	AutoAllocate                  *string   `json:"autoAllocate"`
	ClockCode                     *string   `json:"clockCode"`
	PayGroupCode                  *string   `json:"payGroupCode"`
	PayPeriod                     *string   `json:"payPeriod"`
	HireSource                    *string   `json:"hireSource"`
	JobCode                       *string   `json:"jobCode"`
	JobGroupCode                  *string   `json:"jobGroupCode"`
	Mailstop                      *string   `json:"mailstop"`
	OkToRehire                    *string   `json:"okToRehire"`
	PlannedLeaveReason            *string   `json:"plannedLeaveReason"`
	PositionCode                  *string   `json:"positionCode"`
	SalaryOrHourly                *string   `json:"salaryOrHourly"`
	Shift                         *string   `json:"shift"`
	ShiftGroup                    *string   `json:"shiftGroup"`
	TerminationReasonCode         *string   `json:"terminationReasonCode"`
	TerminationDescription        *string   `json:"terminationDescription"`
	TermType                      *string   `json:"termType"`
	TimeClockID                   *string   `json:"timeClockID"`
	IntegrationRecordID           *string   `json:"integrationRecordId"`
	CurrentCompanyCountryCode     *string   `json:"currentCompanyCountryCode"`
	HomeCompanyCountryCode        *string   `json:"homeCompanyCountryCode"`
	UnionLocalCode                *string   `json:"unionLocalCode"`
	UnionNationalCode             *string   `json:"unionNationalCode"`
	OriginalHireDate              Date      `json:"originalHireDate"`
	LastHireDate                  Date      `json:"lastHireDate"`
	DateInJob                     Date      `json:"dateInJob"`
	DateLastWorked                Date      `json:"dateLastWorked"`
	BenefitSeniorityDate          Date      `json:"benefitSeniorityDate"`
	SeniorityDate                 Date      `json:"seniorityDate"`
	DateLastPayDatePaid           Date      `json:"dateLastPayDatePaid"`
	EarlyRetirementDate           Date      `json:"earlyRetirementDate"`
	RetirementDate                Date      `json:"retirementDate"`
	SuspensionDate                Date      `json:"suspensionDate"`
	TerminationDate               Date      `json:"terminationDate"`
	PaidThruDate                  Date      `json:"paidThruDate"`
	EmployeeStatusStartDate       Date      `json:"employeeStatusStartDate"`
	EmployeeStatusExpectedEndDate Date      `json:"employeeStatusExpectedEndDate"`
	SalaryEffectiveDate           Date      `json:"salaryEffectiveDate"`
	DateTimeCreated               Timestamp `json:"dateTimeCreated"`
	DateTimeChanged               Timestamp `json:"dateTimeChanged"`
	IsHomeCompany                 *bool     `json:"isHomeCompany"`
	IsSupervisor                  *bool     `json:"isSupervisor"`
	IsAutoAllocated               *bool     `json:"isAutoAllocated"`
	IsAutoPaid                    *bool     `json:"isAutoPaid"`
	IsHighlyCompensated           *bool     `json:"isHighlyCompensated"`
	IsMultipleJob                 *bool     `json:"isMultipleJob"`
	IsKeyEmployee                 *bool     `json:"isKeyEmployee"`
	AnnualSalary                  Decimal   `json:"annualSalary"`
	HourlyPayRate                 Decimal   `json:"hourlyPayRate"`
	ScheduledAnnualHours          Decimal   `json:"scheduledAnnualHours"`
	ScheduledFTE                  Decimal   `json:"scheduledFTE"`
	ScheduledWorkHours            Decimal   `json:"scheduledWorkHours"`
	WeeklyHours                   Decimal   `json:"weeklyHours"`
}

// GlobalBank is a record of the global-banks topic (schema global-banks/v1.0, UKG B2 /personnel/v1/employee-global-banks).
type GlobalBank struct {
	CompanyID                  string    `json:"companyId"`
	EmployeeID                 string    `json:"employeeId"`
	BankID                     string    `json:"bankId"`
	EmployeeNumber             *string   `json:"employeeNumber"`
	PayGroup                   *string   `json:"payGroup"`
	EmployeeCountry            *string   `json:"employeeCountry"`
	CurrencyCode               *string   `json:"currencyCode"`
	FundingMethod              *string   `json:"fundingMethod"`
	FundingMethodDescription   *string   `json:"fundingMethodDescription"`
	AddressLine1               *string   `json:"addressLine1"`
	AddressLine2               *string   `json:"addressLine2"`
	AddressLine3               *string   `json:"addressLine3"`
	City                       *string   `json:"city"`
	State                      *string   `json:"state"`
	PostalCode                 *string   `json:"postalCode"`
	Country                    *string   `json:"country"`
	BankName                   *string   `json:"bankName"`
	BankBranch                 *string   `json:"bankBranch"`
	BankCountryCode            *string   `json:"bankCountryCode"`
	BeneficiaryName            *string   `json:"beneficiaryName"`
	BankAccountType            *string   `json:"bankAccountType"`
	BankAccountTypeDescription *string   `json:"bankAccountTypeDescription"`
	BankAccountNumber          *string   `json:"bankAccountNumber"`
	BankAccountNumberLast4     *string   `json:"bankAccountNumberLast4"`
	Iban                       *string   `json:"iban"`
	IbanLast4                  *string   `json:"ibanLast4"`
	SwiftCode                  *string   `json:"swiftCode"`
	SwiftCodeLast4             *string   `json:"swiftCodeLast4"`
	BankRequirement1           *string   `json:"bankRequirement1"`
	BankRequirement2           *string   `json:"bankRequirement2"`
	BankRequirement3           *string   `json:"bankRequirement3"`
	BankRequestCode1           *string   `json:"bankRequestCode1"`
	BankRequestCode2           *string   `json:"bankRequestCode2"`
	BankRequestCode3           *string   `json:"bankRequestCode3"`
	BankRequestLabel1          *string   `json:"bankRequestLabel1"`
	BankRequestLabel2          *string   `json:"bankRequestLabel2"`
	BankRequestLabel3          *string   `json:"bankRequestLabel3"`
	DateModified               Timestamp `json:"dateModified"`
}

// JobHistory is a record of the job-history topic (schema job-history/v1.0, UKG E6 /personnel/v1/employee-job-history-details).
type JobHistory struct {
	CompanyID                    string    `json:"companyId"`
	EmployeeID                   string    `json:"employeeId"`
	EmployeeType                 *string   `json:"employeeType"`
	EmployeeStatus               *string   `json:"employeeStatus"`
	FlsaCategory                 *string   `json:"flsaCategory"`
	FullTimeOrPartTime           *string   `json:"fullTimeOrPartTime"`
	JobCode                      *string   `json:"jobCode"`
	JobDescription               *string   `json:"jobDescription"`
	JobGroupCode                 *string   `json:"jobGroupCode"`
	LocationCode                 *string   `json:"locationCode"`
	OrgLevel1Code                *string   `json:"orgLevel1Code"`
	OrgLevel2Code                *string   `json:"orgLevel2Code"`
	OrgLevel3Code                *string   `json:"orgLevel3Code"`
	OrgLevel4Code                *string   `json:"orgLevel4Code"`
	PayGroupCode                 *string   `json:"payGroupCode"`
	PayPeriodCode                *string   `json:"payPeriodCode"`
	PayScaleCode                 *string   `json:"payScaleCode"`
	PositionCode                 *string   `json:"positionCode"`
	ReasonCode                   *string   `json:"reasonCode"`
	SalaryGrade                  *string   `json:"salaryGrade"`
	SalaryOrHourly               *string   `json:"salaryOrHourly"`
	ShiftCode                    *string   `json:"shiftCode"`
	ShiftGroupCode               *string   `json:"shiftGroupCode"`
	SupervisorID                 *string   `json:"supervisorId"`
	SupervisorNameFirst          *string   `json:"supervisorNameFirst"`
	SupervisorNameLast           *string   `json:"supervisorNameLast"`
	SupervisorNameSuffix         *string   `json:"supervisorNameSuffix"`
	SystemID                     string    `json:"systemId"`
	UnionNational                *string   `json:"unionNational"`
	UnionLocal                   *string   `json:"unionLocal"`
	Notes                        *string   `json:"notes"`
	HomeCompanyID                *string   `json:"homeCompanyId"`
	ProjectCode                  *string   `json:"projectCode"`
	JobTitle                     *string   `json:"jobTitle"`
	AnnualSalary                 Decimal   `json:"annualSalary"`
	HourlyPayRate                Decimal   `json:"hourlyPayRate"`
	PeriodPayRate                Decimal   `json:"periodPayRate"`
	WeeklyPayRate                Decimal   `json:"weeklyPayRate"`
	PiecePayRate                 Decimal   `json:"piecePayRate"`
	OtherRate1                   Decimal   `json:"otherRate1"`
	OtherRate2                   Decimal   `json:"otherRate2"`
	OtherRate3                   Decimal   `json:"otherRate3"`
	OtherRate4                   Decimal   `json:"otherRate4"`
	PercentChange                Decimal   `json:"percentChange"`
	ScheduledAnnualHours         Decimal   `json:"scheduledAnnualHours"`
	ScheduledFullTimeEquivalency Decimal   `json:"scheduledFullTimeEquivalency"`
	ScheduledWorkHours           Decimal   `json:"scheduledWorkHours"`
	StepNumber                   *Int      `json:"stepNumber"`
	NumberOfPayments             *Int      `json:"numberOfPayments"`
	WeeklyHours                  Decimal   `json:"weeklyHours"`
	CreatedByUserID              *Int      `json:"createdByUserId"`
	DateTimeCreated              Timestamp `json:"dateTimeCreated"`
	JobEffectiveDate             Date      `json:"jobEffectiveDate"`
	IntegrationEffectiveDate     Date      `json:"integrationEffectiveDate"`
	IsJobChange                  *bool     `json:"isJobChange"`
	IsOrgchange                  *bool     `json:"isOrgchange"`
	IsOrgChange                  *bool     `json:"isOrgChange"`
	IsOutsideGuidelines          *bool     `json:"isOutsideGuidelines"`
	IsOutsideRange               *bool     `json:"isOutsideRange"`
	IsPromotion                  *bool     `json:"isPromotion"`
	IsRateChange                 *bool     `json:"isRateChange"`
	IsSystem                     *bool     `json:"isSystem"`
	IsTransfer                   *bool     `json:"isTransfer"`
	SupervisorNotInList          *bool     `json:"supervisorNotInList"`
	UsePayScales                 *bool     `json:"usePayScales"`
	IsViewableByEmployee         *bool     `json:"isViewableByEmployee"`
}

// Job is a record of the jobs topic (schema jobs/v1.0, UKG C3 /configuration/v2/jobs).
type Job struct {
	JobCode             string  `json:"jobCode"`
	Title               *string `json:"title"`
	LongDescription     *string `json:"longDescription"`
	CountryCode         *string `json:"countryCode"`
	JobFamilyCode       *string `json:"jobFamilyCode"`
	IsActive            *bool   `json:"isActive"`
	JobGroup            *string `json:"jobGroup"`
	FlsaTypeCode        *string `json:"flsaTypeCode"`
	JobEE0Category      *string `json:"jobEE0Category"`
	WorkEnvironmentDesc *string `json:"workEnvironmentDesc"`
	IntegrationRecordID *string `json:"integrationRecordId"`
}

// Location is a record of the locations topic (schema locations/v1.0, UKG C4 /configuration/v1/locations).
type Location struct {
	LocationCode      string  `json:"locationCode"`
	Description       *string `json:"description"`
	AddressLine1      *string `json:"addressLine1"`
	AddressLine2      *string `json:"addressLine2"`
	City              *string `json:"city"`
	State             *string `json:"state"`
	ZipOrPostalCode   *string `json:"zipOrPostalCode"`
	CountryCode       *string `json:"countryCode"`
	IsActive          *bool   `json:"isActive"`
	LocationGLSegment *string `json:"locationGLSegment"`
}

// OrgLevel is a record of the org-levels topic (schema org-levels/v1.0, UKG C2 /configuration/v1/org-levels).
type OrgLevel struct {
	Level                   Int     `json:"level"`
	Code                    string  `json:"code"`
	Description             *string `json:"description"`
	LevelDescription        *string `json:"levelDescription"`
	IsActive                *bool   `json:"isActive"`
	BudgetGroup             *string `json:"budgetGroup"`
	GlSegment               *string `json:"glSegment"`
	ReportingCategory       *string `json:"reportingCategory"`
	CurrentYearBudgetFTE    Decimal `json:"currentYearBudgetFTE"`
	CurrentYearBudgetSalary Decimal `json:"currentYearBudgetSalary"`
	LastYearBudgetFTE       Decimal `json:"lastYearBudgetFTE"`
	LastYearBudgetSalary    Decimal `json:"lastYearBudgetSalary"`
}

// Person is a record of the people topic (schema people/v1.0, UKG E4 /personnel/v1/person-details).
type Person struct {
	CompanyID                  string    `json:"companyId"`
	EmployeeID                 string    `json:"employeeId"`
	PersonID                   *string   `json:"personId"`
	AdditionalName1            *string   `json:"additionalName1"`
	AdditionalName2            *string   `json:"additionalName2"`
	AddressID                  *string   `json:"addressId"`
	CobraExport                *string   `json:"cobraExport"`
	CobraReason                *string   `json:"cobraReason"`
	CobraStatus                *string   `json:"cobraStatus"`
	CommunityBroadcastSmsCode  *string   `json:"communityBroadcastSmsCode"`
	DisabilityType             *string   `json:"disabilityType"`
	EthnicDescription          *string   `json:"ethnicDescription"`
	FormerName                 *string   `json:"formerName"`
	HealthBloodType            *string   `json:"healthBloodType"`
	HealthEyes                 *string   `json:"healthEyes"`
	HealthHair                 *string   `json:"healthHair"`
	HealthHeightFeet           *string   `json:"healthHeightFeet"`
	HealthHeightInches         *string   `json:"healthHeightInches"`
	I9AlienNumber              *string   `json:"i9AlienNumber"`
	I9DocA                     *string   `json:"i9DocA"`
	I9DocB                     *string   `json:"i9DocB"`
	I9DocC                     *string   `json:"i9DocC"`
	I9VisaType                 *string   `json:"i9VisaType"`
	I9WorkAuth                 *string   `json:"i9WorkAuth"`
	MilitaryBranchServed       *string   `json:"militaryBranchServed"`
	MilitaryEra                *string   `json:"militaryEra"`
	MilitaryIsDisabledVet      *string   `json:"militaryIsDisabledVet"`
	MilitaryIsOthEligVet       *string   `json:"militaryIsOthEligVet"`
	MilitaryIsOthEligVetBasis  *string   `json:"militaryIsOthEligVetBasis"`
	MilitaryIsActiveWartimeVet *string   `json:"militaryIsActiveWartimeVet"`
	NameFormer                 *string   `json:"nameFormer"`
	PreviousSSN                *string   `json:"previousSSN"`
	OriginCountry              *string   `json:"originCountry"`
	OriginLocation             *string   `json:"originLocation"`
	CobraNotes                 *string   `json:"cobraNotes"`
	AddressSms                 *string   `json:"addressSms"`
	MilitaryIsMedalVet         *string   `json:"militaryIsMedalVet"`
	LastNameNotSameAsSSCard    *string   `json:"lastNameNotSameAsSSCard"`
	ChkCashingInstCode         *string   `json:"chkCashingInstCode"`
	Nationality1               *string   `json:"nationality1"`
	Nationality2               *string   `json:"nationality2"`
	Nationality3               *string   `json:"nationality3"`
	UserName                   *string   `json:"userName"`
	FirstName                  *string   `json:"firstName"`
	MiddleName                 *string   `json:"middleName"`
	LastName                   *string   `json:"lastName"`
	PreferredName              *string   `json:"preferredName"`
	NamePrefixCode             *string   `json:"namePrefixCode"`
	NameSufixCode              *string   `json:"nameSufixCode"`
	NameSuffixCode             *string   `json:"nameSuffixCode"`
	EmailAddress               *string   `json:"emailAddress"`
	EmailAddressAlternate      *string   `json:"emailAddressAlternate"`
	HomePhone                  *string   `json:"homePhone"`
	HomePhoneCountry           *string   `json:"homePhoneCountry"`
	AddressLine1               *string   `json:"addressLine1"`
	AddressLine2               *string   `json:"addressLine2"`
	AddressCity                *string   `json:"addressCity"`
	AddressState               *string   `json:"addressState"`
	AddressZipCode             *string   `json:"addressZipCode"`
	AddressCountry             *string   `json:"addressCountry"`
	AddressCounty              *string   `json:"addressCounty"`
	NationalID                 *string   `json:"nationalId"`
	NationalIDCountry          *string   `json:"nationalIdCountry"`
	Gender                     *string   `json:"gender"`
	EthnicIDCode               *string   `json:"ethnicIDCode"`
	EthnicIdCode               *string   `json:"ethnicIdCode"`
	MaritalStatusCode          *string   `json:"maritalStatusCode"`
	Ssn                        *string   `json:"ssn"`
	AddressIsOnTaxBoundary     *bool     `json:"addressIsOnTaxBoundary"`
	CobraIsActive              *bool     `json:"cobraIsActive"`
	ConsentElectronicW2        *bool     `json:"consentElectronicW2"`
	ConsentElectronicw2pr      *bool     `json:"consentElectronicw2pr"`
	I9Verified                 *bool     `json:"i9Verified"`
	IsDisabled                 *bool     `json:"isDisabled"`
	IsMultiPayGroup            *bool     `json:"isMultiPayGroup"`
	IsSmoker                   *bool     `json:"isSmoker"`
	MilitaryService            *bool     `json:"militaryService"`
	W2IsDeceased               *bool     `json:"w2IsDeceased"`
	HomePhoneIsPrivate         *bool     `json:"homePhoneIsPrivate"`
	SmsApprovals               *bool     `json:"smsApprovals"`
	SmsPayNotification         *bool     `json:"smsPayNotification"`
	SsnIsSuppressed            *bool     `json:"ssnIsSuppressed"`
	AddressLatitude            *float64  `json:"addressLatitude"`
	HealthWeight               Decimal   `json:"healthWeight"`
	CobraStatusDate            Date      `json:"cobraStatusDate"`
	DateDeceased               Date      `json:"dateDeceased"`
	DateOfCobraEvent           Date      `json:"dateOfCobraEvent"`
	DateOfCobraExport          Date      `json:"dateOfCobraExport"`
	DateOfCobraLetter          Date      `json:"dateOfCobraLetter"`
	DateOfI9Expiration         Date      `json:"dateOfI9Expiration"`
	DatetimeChanged            Timestamp `json:"datetimeChanged"`
	DateTimeChanged            Timestamp `json:"dateTimeChanged"`
	DatetimeCreated            Timestamp `json:"datetimeCreated"`
	DateTimeCreated            Timestamp `json:"dateTimeCreated"`
	HealthLastDonateDate       Date      `json:"healthLastDonateDate"`
	MilitarySeparationDate     Date      `json:"militarySeparationDate"`
	I9VisaExpirationDate       Date      `json:"i9VisaExpirationDate"`
	DateOfBirth                Date      `json:"dateOfBirth"`
}

// Position is a record of the positions topic (schema positions/v1.0, UKG C7 /configuration/v1/positions).
type Position struct {
	CompanyID              string    `json:"companyId"`
	PositionCode           string    `json:"positionCode"`
	Jobcode                *string   `json:"jobcode"`
	AlternateTitle         *string   `json:"alternateTitle"`
	EmployeeType           *string   `json:"employeeType"`
	StatusCode             *string   `json:"statusCode"`
	PayGroupCode           *string   `json:"payGroupCode"`
	ProjectCode            *string   `json:"projectCode"`
	ShiftGroupCode         *string   `json:"shiftGroupCode"`
	LocationCode           *string   `json:"locationCode"`
	GlSegment              *string   `json:"glSegment"`
	FundID                 *string   `json:"fundID"`
	Notes                  *string   `json:"notes"`
	IntegrationRecordID    *string   `json:"integrationRecordId"`
	OrganizationLevelCode1 *string   `json:"organizationLevelCode1"`
	OrganizationLevelCode2 *string   `json:"organizationLevelCode2"`
	OrganizationLevelCode3 *string   `json:"organizationLevelCode3"`
	OrganizationLevelCode4 *string   `json:"organizationLevelCode4"`
	DateTimeCreated        Timestamp `json:"dateTimeCreated"`
	DateTimeChanged        Timestamp `json:"dateTimeChanged"`
	EffectiveStartDate     Timestamp `json:"effectiveStartDate"`
	EffectiveStopDate      Timestamp `json:"effectiveStopDate"`
	StatusAsOfDate         Timestamp `json:"statusAsOfDate"`
	IsApproved             *bool     `json:"isApproved"`
	IsEligibleForBenefits  *bool     `json:"isEligibleForBenefits"`
	IsProrated             *bool     `json:"isProrated"`
	OverstaffingAllowed    *bool     `json:"overstaffingAllowed"`
}

// PTOPlan is a record of the pto-plans topic (schema pto-plans/v1.0, UKG P2 /personnel/v1/pto-plans).
type PTOPlan struct {
	CompanyID         string  `json:"companyId"`
	EmployeeID        string  `json:"employeeId"`
	PtoPlan           string  `json:"ptoPlan"`
	Earned            Decimal `json:"earned"`
	Taken             Decimal `json:"taken"`
	PendingBalance    Decimal `json:"pendingBalance"`
	EarnedThroughDate Date    `json:"earnedThroughDate"`
	Reset             Date    `json:"reset"`
	PendingMoveDate   Date    `json:"pendingMoveDate"`
}

// records maps a topic name (without prefix) to its schema's major version,
// whether it is keyed per employee, and a constructor of its record type.
var records = map[string]recordKind{
	"companies":      {1, false, func() any { return new(Company) }},
	"compensation":   {1, true, func() any { return new(Compensation) }},
	"contacts":       {1, true, func() any { return new(Contact) }},
	"contracts":      {1, true, func() any { return new(Contract) }},
	"direct-deposit": {1, true, func() any { return new(DirectDeposit) }},
	"employees":      {1, true, func() any { return new(Employee) }},
	"global-banks":   {1, true, func() any { return new(GlobalBank) }},
	"job-history":    {1, true, func() any { return new(JobHistory) }},
	"jobs":           {1, false, func() any { return new(Job) }},
	"locations":      {1, false, func() any { return new(Location) }},
	"org-levels":     {1, false, func() any { return new(OrgLevel) }},
	"people":         {1, true, func() any { return new(Person) }},
	"positions":      {1, false, func() any { return new(Position) }},
	"pto-plans":      {1, true, func() any { return new(PTOPlan) }},
}
