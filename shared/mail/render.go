package mail

import (
	"embed"
	"fmt"
	htmltemplate "html/template"
	"regexp"
	"strings"
	"sync"
	texttemplate "text/template"
)

// Each locale folder holds, per mail, a .txt file (the subject as a
// "subject" block, then the plain-text body) and a .html file (the blocks
// layout.html places around the button), plus common.txt/common.html with
// the phrases all mails of that locale share.
//
//go:embed templates
var files embed.FS

// required lists, per template, the data a mail is useless without.
var required = map[string][]string{
	Invitation:      {"link"},
	PasswordReset:   {"link"},
	PasswordChanged: nil,
}

// view is what the templates see. Times are already formatted for the
// locale, so templates hold copy only.
type view struct {
	Lang        string
	Subject     string
	FirstName   string
	InviterName string
	ShopName    string
	Email       string
	Link        string
	ExpiresAt   string
	ChangedAt   string
}

// Render renders m in its locale, or in DefaultLocale when there is no
// template for it.
func Render(m Message) (Rendered, error) {
	need, ok := required[m.Template]
	if !ok {
		return Rendered{}, fmt.Errorf("mail: unknown template %q", m.Template)
	}
	for _, key := range need {
		if strings.TrimSpace(m.Data[key]) == "" {
			return Rendered{}, fmt.Errorf("mail: %s needs %q", m.Template, key)
		}
	}
	lang := locale(m.Locale)
	v, err := newView(lang, m.Data)
	if err != nil {
		return Rendered{}, fmt.Errorf("mail: %s: %w", m.Template, err)
	}
	all, err := parsed()
	if err != nil {
		return Rendered{}, err
	}
	set := all[setKey(m.Template, lang)]

	var subject, text, html strings.Builder
	if err := set.text.ExecuteTemplate(&subject, "subject", v); err != nil {
		return Rendered{}, fmt.Errorf("mail: %s/%s subject: %w", lang, m.Template, err)
	}
	v.Subject = strings.Join(strings.Fields(subject.String()), " ")
	if err := set.text.ExecuteTemplate(&text, m.Template+".txt", v); err != nil {
		return Rendered{}, fmt.Errorf("mail: %s/%s text: %w", lang, m.Template, err)
	}
	if err := set.html.ExecuteTemplate(&html, "layout.html", v); err != nil {
		return Rendered{}, fmt.Errorf("mail: %s/%s html: %w", lang, m.Template, err)
	}
	return Rendered{Subject: v.Subject, Text: tidy(text.String()), HTML: html.String()}, nil
}

func newView(lang string, d map[string]string) (view, error) {
	v := view{
		Lang:        lang,
		FirstName:   strings.TrimSpace(d["firstName"]),
		InviterName: strings.TrimSpace(d["inviterName"]),
		ShopName:    strings.TrimSpace(d["shopName"]),
		Email:       strings.TrimSpace(d["email"]),
		Link:        strings.TrimSpace(d["link"]),
	}
	var err error
	if v.ExpiresAt, err = humanTime(lang, d["expiresAt"]); err != nil {
		return view{}, fmt.Errorf("expiresAt: %w", err)
	}
	if v.ChangedAt, err = humanTime(lang, d["changedAt"]); err != nil {
		return view{}, fmt.Errorf("changedAt: %w", err)
	}
	return v, nil
}

// locale maps "de-AT", "NL", "en_GB" to a locale with templates.
func locale(l string) string {
	l = strings.ToLower(strings.TrimSpace(l))
	if i := strings.IndexAny(l, "-_"); i >= 0 {
		l = l[:i]
	}
	for _, known := range Locales {
		if l == known {
			return l
		}
	}
	return DefaultLocale
}

type templateSet struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

func setKey(name, lang string) string { return lang + "/" + name }

// parsed parses every template once, on first use rather than at init:
// packages that only queue mails (through package outbox) link this one and
// should not pay for parsing at their cold start.
var parsed = sync.OnceValues(func() (map[string]templateSet, error) {
	all := map[string]templateSet{}
	for _, lang := range Locales {
		for name := range required {
			dir := "templates/" + lang + "/"
			text, err := texttemplate.New(name+".txt").ParseFS(files, dir+"common.txt", dir+name+".txt")
			if err != nil {
				return nil, fmt.Errorf("mail: parse %s%s.txt: %w", dir, name, err)
			}
			html, err := htmltemplate.New("layout.html").ParseFS(files, "templates/layout.html", dir+"common.html", dir+name+".html")
			if err != nil {
				return nil, fmt.Errorf("mail: parse %s%s.html: %w", dir, name, err)
			}
			all[setKey(name, lang)] = templateSet{text: text, html: html}
		}
	}
	return all, nil
})

var blankLines = regexp.MustCompile(`\n{3,}`)

// tidy lets the text templates use optional blocks without leaving stray
// blank lines or trailing spaces behind.
func tidy(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.TrimSpace(blankLines.ReplaceAllString(strings.Join(lines, "\n"), "\n\n")) + "\n"
}
