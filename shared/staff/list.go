package staff

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"backoffice/shared/account"
	"backoffice/shared/auth"
	"backoffice/shared/ids"
	"backoffice/shared/list"
	"backoffice/shared/problem"
	"backoffice/shared/store"
)

// ListQuery is GET /staff's query string.
type ListQuery struct {
	list.Params
	RoleID string
}

var sortIndex = map[string]string{
	"lastName":  store.IndexByLastName,
	"firstName": store.IndexByFirstName,
	"email":     store.IndexByEmail,
	"createdAt": store.IndexByCreated,
	"status":    store.IndexByLastName, // statuses in order, by last name within
}

// ParseListQuery validates the query parameters.
func ParseListQuery(params map[string]string) (ListQuery, error) {
	var f problem.Fields
	q := ListQuery{
		Params: list.ParseParams(params, []string{"lastName", "firstName", "email", "createdAt", "status"}, &f),
		RoleID: params["roleId"],
	}
	if q.RoleID != "" && q.RoleID != auth.OwnerRoleID && q.RoleID != auth.AdminRoleID && !ids.Valid(q.RoleID) {
		f.Add(problem.InvalidFormat("roleId", problem.FormatID).Saying("is not a role id"))
	}
	return q, f.Err()
}

// spec turns the query into list sources. Without q: one index by the sort
// field, merged over the status partitions (or the statuses one after the
// other for sort=status). With q: last-name hits, then first-name hits, then
// email hits, each in its own order and without repeats.
func (q ListQuery) spec() list.Spec {
	partition := store.StaffPartition
	if q.RoleID != "" {
		partition = func(status string) string { return store.RoleStaffPartition(q.RoleID, status) }
	}
	spec := list.Spec{Limit: q.Limit, Descending: q.Order == "desc",
		Shape: strings.Join([]string{"staff", q.Q, q.Status, q.RoleID, q.Sort, q.Order}, "|")}
	switch {
	case q.Q != "":
		spec.Descending = false
		spec.Sources = list.Search(q.Q, q.StatusParts(partition))
	case q.Sort == "status" && q.Status == "":
		order := append([]string(nil), list.Statuses...)
		if spec.Descending {
			slices.Reverse(order)
		}
		for _, st := range order {
			spec.Sources = append(spec.Sources, list.Source{Index: store.IndexByLastName, Partitions: []string{partition(st)}})
		}
	default:
		spec.Sources = []list.Source{{Index: sortIndex[q.Sort], Partitions: q.StatusParts(partition)}}
	}
	return spec
}

func attr(item map[string]types.AttributeValue, name string) string {
	if s, ok := item[name].(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// List answers one page of staff.
func (s *Service) List(ctx context.Context, lister *list.Lister, q ListQuery) ([]View, *string, error) {
	page, err := lister.Run(ctx, q.spec(), q.Cursor)
	if err != nil {
		return nil, nil, err
	}
	profiles, err := s.profilesOf(ctx, page.Items, q.RoleID != "")
	if err != nil {
		return nil, nil, err
	}
	names, err := s.roleNames(ctx, profiles)
	if err != nil {
		return nil, nil, err
	}
	now := s.Now()
	views := make([]View, 0, len(profiles))
	for _, p := range profiles {
		refs := make([]auth.RoleRef, 0, len(p.RoleIDs))
		for _, id := range p.RoleIDs {
			if name, ok := names[id]; ok {
				refs = append(refs, auth.RoleRef{ID: id, Name: name})
			}
		}
		views = append(views, viewOf(p, refs, now))
	}
	return views, page.Next, nil
}

// profilesOf decodes the page's profiles; role-filtered pages hold member
// items, whose profiles are read in one BatchGetItem.
func (s *Service) profilesOf(ctx context.Context, items []map[string]types.AttributeValue, members bool) ([]*store.Staff, error) {
	out := make([]*store.Staff, 0, len(items))
	if !members {
		for _, it := range items {
			var p store.Staff
			if err := store.Unmarshal(it, &p); err != nil {
				return nil, err
			}
			out = append(out, &p)
		}
		return out, nil
	}
	keys := make([]store.Key, len(items))
	for i, it := range items {
		keys[i] = store.StaffKey(attr(it, "personId"))
	}
	found, err := s.Store.BatchGet(ctx, keys, false)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		var p store.Staff
		if account.DecodeFound(found, k, &p) == nil {
			out = append(out, &p)
		}
	}
	return out, nil
}

// roleNames reads the names of every role on the page in one BatchGetItem.
func (s *Service) roleNames(ctx context.Context, profiles []*store.Staff) (map[string]string, error) {
	var keys []store.Key
	for _, p := range profiles {
		for _, id := range p.RoleIDs {
			keys = append(keys, store.RoleKey(id))
		}
	}
	found, err := s.Store.BatchGet(ctx, keys, false)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, raw := range found {
		var r store.Role
		if store.Unmarshal(raw, &r) == nil {
			names[r.ID] = r.Name
		}
	}
	return names, nil
}
