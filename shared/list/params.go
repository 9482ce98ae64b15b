package list

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"backoffice/shared/problem"
	"backoffice/shared/store"
	"backoffice/shared/text"
)

// Params are the query parameters every people list shares (infra/openapi.yaml
// "Lists"): q, status, sort, order, limit, cursor.
type Params struct {
	Q, Status, Sort, Order string
	Limit                  int
	Cursor                 string
}

// Statuses a person list can be filtered by, in the order sort=status shows them.
var Statuses = []string{store.StatusActive, store.StatusInactive, store.StatusInvited}

// ParseParams validates the shared parameters into f; sorts are the sort
// fields allowed, the first being the default.
func ParseParams(params map[string]string, sorts []string, f *problem.Fields) Params {
	p := Params{
		Q: strings.TrimSpace(params["q"]), Status: params["status"],
		Sort: params["sort"], Order: params["order"], Limit: 25, Cursor: params["cursor"],
	}
	if p.Sort == "" {
		p.Sort = sorts[0]
	}
	if !contains(sorts, p.Sort) {
		f.Add(problem.NotOneOf("sort", sorts...))
	}
	if p.Order == "" {
		p.Order = "asc"
	}
	if p.Order != "asc" && p.Order != "desc" {
		f.Add(problem.NotOneOf("order", "asc", "desc"))
	}
	if p.Status != "" && !contains(Statuses, p.Status) {
		f.Add(problem.NotOneOf("status", Statuses...))
	}
	if text.HasControl(p.Q) {
		f.Add(problem.ControlCharacters("q"))
	} else if utf8.RuneCountInString(p.Q) > 100 {
		f.Add(problem.TooLong("q", 100))
	}
	if raw, ok := params["limit"]; ok {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 100 {
			f.Add(problem.OutOfRange("limit", 1, 100))
		}
		p.Limit = n
	}
	return p
}

// StatusParts are the partitions to read: the one status asked for, or all.
func (p Params) StatusParts(partition func(status string) string) []string {
	ss := Statuses
	if p.Status != "" {
		ss = []string{p.Status}
	}
	out := make([]string, len(ss))
	for i, st := range ss {
		out[i] = partition(st)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Search is the sources of a prefix search over people (infra/openapi.yaml: results
// come in the order of the field that matched): last-name hits (gsi1), then
// first-name hits (gsi2), then email hits (gsi3), then hits on the folded
// sort keys of extra indexes (customers: company on gsi5), each without the
// people an earlier source produced.
func Search(q string, parts []string, extra ...string) []Source {
	folded, email := text.Fold(q), strings.ToLower(q)
	indexes := append([]string{store.IndexByLastName, store.IndexByFirstName, store.IndexByEmail}, extra...)
	prefix := func(index string) string {
		if index == store.IndexByEmail {
			return email
		}
		return folded
	}
	sources := make([]Source, len(indexes))
	for i, index := range indexes {
		earlier := indexes[:i]
		sources[i] = Source{Index: index, Partitions: parts, Prefix: prefix(index)}
		if i == 0 {
			continue
		}
		sources[i].Skip = func(it map[string]types.AttributeValue) bool {
			for _, e := range earlier {
				if strings.HasPrefix(str(it[e+"sk"]), prefix(e)) {
					return true
				}
			}
			return false
		}
	}
	return sources
}
