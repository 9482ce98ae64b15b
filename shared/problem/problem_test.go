package problem

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestIsMatchesByCode(t *testing.T) {
	err := fmt.Errorf("invite: %w", EmailTaken.With("a@b.nl"))
	if !errors.Is(err, EmailTaken) {
		t.Fatal("wrapped copy does not match its catalogue entry")
	}
	if errors.Is(err, NameTaken) {
		t.Fatal("matched another code")
	}
	p, ok := As(err)
	if !ok || p.Status != 409 || p.Detail != "a@b.nl" {
		t.Fatalf("As = %+v %v", p, ok)
	}
	if EmailTaken.Detail != "" {
		t.Fatal("With changed the catalogue entry")
	}
}

func TestFields(t *testing.T) {
	var f Fields
	if f.Err() != nil {
		t.Fatal("empty fields must be nil")
	}
	f.Add(Required("email"))
	f.Add(TooShort("password", 12))
	p, _ := As(f.Err())
	if p.Status != 422 || p.Code != "validation_failed" || len(p.Fields) != 2 || p.Fields[1].Field != "password" {
		t.Fatalf("got %+v", p)
	}
	if ValidationFailed.Fields != nil {
		t.Fatal("catalogue entry mutated")
	}
}

func TestRateLimitedFor(t *testing.T) {
	if got := RateLimitedFor(0).RetryAfter; got != 1 {
		t.Fatalf("retry after = %d", got)
	}
	if RateLimited.RetryAfter != 0 {
		t.Fatal("catalogue entry mutated")
	}
}

// A field error carries its code and the parameters its sentence needs,
// next to the English message; parameters it has no use for are left out.
func TestFieldErrorJSON(t *testing.T) {
	for fe, want := range map[*FieldError]string{
		ptr(Required("email")):                        `{"field":"email","code":"required","message":"is required"}`,
		ptr(TooLong("name", 100)):                     `{"field":"name","code":"too_long","message":"must be at most 100 characters","max":100}`,
		ptr(OutOfRange("position", 0, 9)):             `{"field":"position","code":"out_of_range","message":"must be a whole number from 0 to 9","min":0,"max":9}`,
		ptr(NotOneOf("order", "asc", "desc")):         `{"field":"order","code":"not_one_of","message":"must be one of asc, desc","allowed":["asc","desc"]}`,
		ptr(InvalidFormat("If-Match", FormatVersion)): `{"field":"If-Match","code":"invalid_format","message":"must be a version in quotes, e.g. \"3\"","format":"version"}`,
		ptr(NoSuch("parentId", "category")):           `{"field":"parentId","code":"not_found","message":"no such category"}`,
	} {
		b, err := json.Marshal(fe)
		if err != nil || string(b) != want {
			t.Errorf("%s, want %s (%v)", b, want, err)
		}
	}
	// Through the 422: the fields keep code and parameters.
	p, _ := As(Invalid(TooShort("newPassword", 12)))
	b, _ := json.Marshal(p.Fields)
	if string(b) != `[{"field":"newPassword","code":"too_short","message":"must be at least 12 characters","min":12}]` {
		t.Errorf("422 fields %s", b)
	}
}

func ptr(e FieldError) *FieldError { return &e }

// Every constructor's code is in the vocabulary, with a message; every
// format has its message.
func TestVocabularyIsClosed(t *testing.T) {
	all := []FieldError{
		Required("f"), TooLong("f", 1), TooShort("f", 1), OutOfRange("f", 1, 2), TooMany("f", 1), NotOneOf("f", "a"),
		InvalidEmail("f"), InvalidFormat("f", FormatID), ControlCharacters("f"), Duplicate("f"), NoSuch("f", "x"),
		InvalidReference("f", "must be y"), Exclusive("f", "f", "g"), EndBeforeStart("f", "g"), TooDeep("f", 1),
		TooManyChanges("f"), UnknownField("f"), WrongType("f", "string"), Null("f"), Unchanged("f", "x"),
		WrongPassword("f"), WeakPassword("f"), Reused("f"),
	}
	used := map[FieldCode]bool{}
	for _, fe := range all {
		if !slices.Contains(FieldCodes, fe.Code) || fe.Message == "" {
			t.Errorf("%+v: code not in FieldCodes or no message", fe)
		}
		used[fe.Code] = true
	}
	for _, c := range FieldCodes {
		if !used[c] {
			t.Errorf("%s has no constructor", c)
		}
	}
	for _, f := range Formats {
		if formatMessages[f] == "" {
			t.Errorf("format %s has no message", f)
		}
	}
	if len(formatMessages) != len(Formats) {
		t.Error("formatMessages and Formats differ")
	}
}

// Field errors are built by the constructors (code, parameters and message
// from one place), never as literals elsewhere.
func TestNoFieldErrorLiterals(t *testing.T) {
	literal := regexp.MustCompile(`problem\.FieldError\{[^}]`)
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".local" || d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if literal.Match(b) {
			t.Errorf("%s builds a problem.FieldError by hand: use a constructor of package problem", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
