package problem

import (
	"fmt"
	"strings"
)

// FieldCode says what is wrong with one field, for a client to put in its
// own words (the console does, in nl, en and de). The vocabulary is closed
// and listed in FieldCodes and in infra/openapi.yaml (FieldCode); the
// English Message next to it is for people reading the API by hand.
type FieldCode string

// The vocabulary. Parameters (FieldError) are named where a code has them.
const (
	CodeRequired          FieldCode = "required"           // missing or empty
	CodeTooLong           FieldCode = "too_long"           // more than max characters
	CodeTooShort          FieldCode = "too_short"          // fewer than min characters
	CodeOutOfRange        FieldCode = "out_of_range"       // a whole number outside min..max
	CodeTooMany           FieldCode = "too_many"           // a list of more than max values
	CodeNotOneOf          FieldCode = "not_one_of"         // not one of allowed
	CodeInvalidEmail      FieldCode = "invalid_email"      // not an email address
	CodeInvalidFormat     FieldCode = "invalid_format"     // not of the shape format names
	CodeControlCharacters FieldCode = "control_characters" // holds control characters (a line break in a one-line text)
	CodeDuplicate         FieldCode = "duplicate"          // a value (or a JSON key) given twice
	CodeNotFound          FieldCode = "not_found"          // refers to something that does not exist (for the caller)
	CodeInvalidReference  FieldCode = "invalid_reference"  // refers to something that exists but can not be used here
	CodeExclusive         FieldCode = "exclusive"          // sent together with a field it excludes
	CodeEndBeforeStart    FieldCode = "end_before_start"   // the end of a range lies before its start
	CodeTooDeep           FieldCode = "too_deep"           // would nest deeper than max levels
	CodeTooManyChanges    FieldCode = "too_many_changes"   // the change is too large for one write
	CodeUnknownField      FieldCode = "unknown_field"      // the body has a field the operation does not know
	CodeWrongType         FieldCode = "wrong_type"         // a JSON value of the wrong type, or null
	CodeUnchanged         FieldCode = "unchanged"          // must differ from the current value
	CodeWrongPassword     FieldCode = "wrong_password"     // not the caller's current password
	CodeWeakPassword      FieldCode = "weak_password"      // refused by the identity provider's password policy
	CodeReused            FieldCode = "reused"             // an Idempotency-Key already used for another request
)

// FieldCodes is the whole vocabulary, in the contract's order.
var FieldCodes = []FieldCode{
	CodeRequired, CodeTooLong, CodeTooShort, CodeOutOfRange, CodeTooMany, CodeNotOneOf,
	CodeInvalidEmail, CodeInvalidFormat, CodeControlCharacters, CodeDuplicate, CodeNotFound,
	CodeInvalidReference, CodeExclusive, CodeEndBeforeStart, CodeTooDeep, CodeTooManyChanges,
	CodeUnknownField, CodeWrongType, CodeUnchanged, CodeWrongPassword, CodeWeakPassword, CodeReused,
}

// Format is the shape an invalid_format value must have.
type Format string

// The formats, each with its English message.
const (
	FormatID            Format = "id"              // an id of the API
	FormatDateTime      Format = "date_time"       // an RFC 3339 time
	FormatHTTPSURL      Format = "https_url"       // an absolute https URL
	FormatPhone         Format = "phone"           // digits, spaces and + ( ) . / -
	FormatVATNumber     Format = "vat_number"      // country code and 2 to 13 letters or digits
	FormatCountryCode   Format = "country_code"    // ISO 3166-1 alpha-2
	FormatVersion       Format = "version"         // an If-Match version
	FormatUTF8          Format = "utf8"            // valid UTF-8
	FormatTrimmed       Format = "trimmed"         // no space at the start or end
	FormatLetterOrDigit Format = "letter_or_digit" // holds at least one letter or digit
)

// Formats lists every Format, in the contract's order.
var Formats = []Format{
	FormatID, FormatDateTime, FormatHTTPSURL, FormatPhone, FormatVATNumber,
	FormatCountryCode, FormatVersion, FormatUTF8, FormatTrimmed, FormatLetterOrDigit,
}

var formatMessages = map[Format]string{
	FormatID:            "must be an id",
	FormatDateTime:      "must be an RFC 3339 time",
	FormatHTTPSURL:      "must be an https URL",
	FormatPhone:         "must be a phone number (digits, spaces, + ( ) . / -)",
	FormatVATNumber:     "must be a VAT number: country code and 2 to 13 letters or digits",
	FormatCountryCode:   "must be an ISO 3166 country code such as NL or DE",
	FormatVersion:       `must be a version in quotes, e.g. "3"`,
	FormatUTF8:          "is not valid UTF-8",
	FormatTrimmed:       "must not start or end with a space",
	FormatLetterOrDigit: "must contain a letter or a digit",
}

// FieldError names one invalid input field: what is wrong (Code), with the
// parameters a sentence about it needs, and an English Message. Min and Max
// are set with too_short, out_of_range, too_long, too_many and too_deep (as
// the code's comment says), Allowed with not_one_of, Format with
// invalid_format. Build one with the constructors below, never by hand.
type FieldError struct {
	Field   string    `json:"field"`
	Code    FieldCode `json:"code"`
	Message string    `json:"message"`
	Min     *int64    `json:"min,omitempty"`
	Max     *int64    `json:"max,omitempty"`
	Allowed []string  `json:"allowed,omitempty"`
	Format  Format    `json:"format,omitempty"`
}

// Saying returns e with a more specific English message; code and
// parameters stay.
func (e FieldError) Saying(message string) FieldError {
	e.Message = message
	return e
}

func num(n int64) *int64 { return &n }

// Required: the field is missing or empty.
func Required(field string) FieldError {
	return FieldError{Field: field, Code: CodeRequired, Message: "is required"}
}

// TooLong: more than max characters.
func TooLong(field string, max int) FieldError {
	return FieldError{Field: field, Code: CodeTooLong, Max: num(int64(max)),
		Message: fmt.Sprintf("must be at most %d characters", max)}
}

// TooShort: fewer than min characters.
func TooShort(field string, min int) FieldError {
	return FieldError{Field: field, Code: CodeTooShort, Min: num(int64(min)),
		Message: fmt.Sprintf("must be at least %d characters", min)}
}

// OutOfRange: not a whole number from min to max.
func OutOfRange(field string, min, max int64) FieldError {
	return FieldError{Field: field, Code: CodeOutOfRange, Min: num(min), Max: num(max),
		Message: fmt.Sprintf("must be a whole number from %d to %d", min, max)}
}

// TooMany: a list of more than max values.
func TooMany(field string, max int) FieldError {
	return FieldError{Field: field, Code: CodeTooMany, Max: num(int64(max)),
		Message: fmt.Sprintf("must hold at most %d values", max)}
}

// NotOneOf: the value is none of allowed.
func NotOneOf(field string, allowed ...string) FieldError {
	return FieldError{Field: field, Code: CodeNotOneOf, Allowed: append([]string(nil), allowed...),
		Message: "must be one of " + strings.Join(allowed, ", ")}
}

// InvalidEmail: not an email address.
func InvalidEmail(field string) FieldError {
	return FieldError{Field: field, Code: CodeInvalidEmail, Message: "must be a valid email address"}
}

// InvalidFormat: not of the shape format names.
func InvalidFormat(field string, format Format) FieldError {
	return FieldError{Field: field, Code: CodeInvalidFormat, Format: format, Message: formatMessages[format]}
}

// ControlCharacters: the value holds control characters.
func ControlCharacters(field string) FieldError {
	return FieldError{Field: field, Code: CodeControlCharacters, Message: "must not contain control characters"}
}

// Duplicate: a list holds a value twice (or a JSON key appears twice).
func Duplicate(field string) FieldError {
	return FieldError{Field: field, Code: CodeDuplicate, Message: "must not hold a value twice"}
}

// NoSuch: the value refers to a what that does not exist (not_found).
func NoSuch(field, what string) FieldError {
	return FieldError{Field: field, Code: CodeNotFound, Message: "no such " + what}
}

// InvalidReference: the value refers to something that can not be used here;
// message says what it must be instead.
func InvalidReference(field, message string) FieldError {
	return FieldError{Field: field, Code: CodeInvalidReference, Message: message}
}

// Exclusive: field is one of fields, of which at most one may be sent.
func Exclusive(field string, fields ...string) FieldError {
	list := strings.Join(fields[:len(fields)-1], ", ") + " and " + fields[len(fields)-1]
	return FieldError{Field: field, Code: CodeExclusive, Message: "send at most one of " + list}
}

// EndBeforeStart: field ends a range that start begins, and lies before it.
func EndBeforeStart(field, start string) FieldError {
	return FieldError{Field: field, Code: CodeEndBeforeStart, Message: "must not be before " + start}
}

// TooDeep: the change would nest deeper than max levels.
func TooDeep(field string, max int) FieldError {
	return FieldError{Field: field, Code: CodeTooDeep, Max: num(int64(max)),
		Message: fmt.Sprintf("the tree would be deeper than %d levels", max)}
}

// TooManyChanges: the change is too large for one write.
func TooManyChanges(field string) FieldError {
	return FieldError{Field: field, Code: CodeTooManyChanges, Message: "too many changes at once"}
}

// UnknownField: the body has a field the operation does not take.
func UnknownField(field string) FieldError {
	return FieldError{Field: field, Code: CodeUnknownField, Message: "is not a known field"}
}

// WrongType: the JSON value is not of type jsonType.
func WrongType(field, jsonType string) FieldError {
	return FieldError{Field: field, Code: CodeWrongType, Message: "must be of type " + jsonType}
}

// Null: the JSON value is null where null is not taken (a wrong_type).
func Null(field string) FieldError {
	return FieldError{Field: field, Code: CodeWrongType, Message: "must not be null"}
}

// Unchanged: the value must differ from the current what.
func Unchanged(field, what string) FieldError {
	return FieldError{Field: field, Code: CodeUnchanged, Message: "must differ from the current " + what}
}

// WrongPassword: not the caller's current password.
func WrongPassword(field string) FieldError {
	return FieldError{Field: field, Code: CodeWrongPassword, Message: "is not your current password"}
}

// WeakPassword: the identity provider refused the password.
func WeakPassword(field string) FieldError {
	return FieldError{Field: field, Code: CodeWeakPassword, Message: "does not meet the password policy"}
}

// Reused: an Idempotency-Key already used for another request.
func Reused(field string) FieldError {
	return FieldError{Field: field, Code: CodeReused, Message: "was used for a different request"}
}

// Fields collects per-field validation errors.
type Fields []FieldError

// Add records that a field is invalid.
func (f *Fields) Add(e FieldError) {
	*f = append(*f, e)
}

// Err is nil when nothing was added, else a 422 validation_failed.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	e := *ValidationFailed
	e.Fields = append([]FieldError(nil), f...)
	return &e
}

// Invalid is a 422 for a single field.
func Invalid(e FieldError) error {
	var f Fields
	f.Add(e)
	return f.Err()
}
