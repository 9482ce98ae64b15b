package categories

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/shared/audit"
	"backoffice/shared/problem"
	"backoffice/shared/store"
	"backoffice/shared/text"
)

// maxRounds bounds how often a cascade reads the subtree again after a
// concurrent change got in its way.
const maxRounds = 5

// Delete removes a category. With children it is 409 has_children unless
// cascade is set: then the whole subtree goes, children before parents, in
// transactions of up to 24 categories. Each one leaves a consistent tree
// (every remaining category with its children and the right childCount),
// so a failure part-way loses nothing, and calling DELETE again resumes.
// Every transaction writes one audit event naming what it removed.
func (s *Service) Delete(ctx context.Context, actor audit.Actor, id string, cascade bool, ifMatch int64) error {
	root, err := s.get(ctx, id)
	if err != nil {
		return err
	}
	if ifMatch != 0 && ifMatch != root.Version {
		return problem.PreconditionFailed
	}
	if root.ChildCount > 0 && !cascade {
		return problem.HasChildren.With("This category has %d subcategories; delete them first or use ?cascade=true.", root.ChildCount)
	}
	changed := problem.Conflict.With("The category changed meanwhile; try again.")
	if ifMatch != 0 {
		changed = problem.PreconditionFailed
	}
	for round := 0; round < maxRounds; round++ {
		nodes := []*store.Category{root}
		if root.ChildCount > 0 {
			if nodes, err = s.subtree(ctx, root); err != nil {
				return err
			}
		}
		err = s.deleteChunks(ctx, actor, root, nodes, changed)
		if !errors.Is(err, problem.Conflict) || ifMatch != 0 {
			return err
		}
		// Someone added or changed a category in the subtree meanwhile:
		// read what is left and go on.
		if root, err = s.get(ctx, id); errors.Is(err, problem.NotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if root.ChildCount > 0 && !cascade {
			return problem.HasChildren
		}
	}
	return problem.Conflict.With("The categories kept changing while being deleted; DELETE again resumes.")
}

// subtree lists root and everything below it, children before their
// parents (post-order). Only categories with children cost a Query.
func (s *Service) subtree(ctx context.Context, root *store.Category) ([]*store.Category, error) {
	var out []*store.Category
	var walk func(c *store.Category, depth int) error
	walk = func(c *store.Category, depth int) error {
		if depth > maxDepth {
			return fmt.Errorf("category %s: subtree deeper than %d levels", root.ID, maxDepth)
		}
		if c.ChildCount > 0 {
			children, err := s.queryAll(ctx, store.IndexByOther, "gsi5pk", store.CategoryChildrenPartition(c.ID), true)
			if err != nil {
				return err
			}
			for i := range children {
				if err := walk(&children[i], depth+1); err != nil {
					return err
				}
			}
		}
		out = append(out, c)
		return nil
	}
	return out, walk(root, 0)
}

// deleteChunks deletes nodes (post-order) chunk by chunk. A category is
// deleted on condition that its version is as read and that its childCount
// equals its children deleted in the same transaction (the others already
// counted themselves off): a child added meanwhile stops the chunk.
func (s *Service) deleteChunks(ctx context.Context, actor audit.Actor, root *store.Category, nodes []*store.Category, changed *problem.Error) error {
	for start := 0; start < len(nodes); start += chunk {
		part := nodes[start:min(start+chunk, len(nodes))]
		inChunk := map[string]bool{}
		for _, c := range part {
			inChunk[c.ID] = true
		}
		childrenHere := map[string]int{}
		parentDec := map[string]int{}
		var parents []string // in order, for a stable transaction
		for _, c := range part {
			switch {
			case inChunk[c.ParentID]:
				childrenHere[c.ParentID]++
			case c.ParentID != "":
				if parentDec[c.ParentID] == 0 {
					parents = append(parents, c.ParentID)
				}
				parentDec[c.ParentID]++
			}
		}
		now := s.Now().UTC()
		tx := s.Store.Tx()
		var names []string
		for _, c := range part {
			cond := expression.Name("version").Equal(expression.Value(c.Version)).
				And(expression.Name("childCount").Equal(expression.Value(childrenHere[c.ID])))
			onFail := problem.Conflict
			if c.ID == root.ID {
				onFail = changed
			}
			tx.Delete(store.CategoryKey(c.ID), &cond, onFail)
			tx.Delete(store.CategoryNameKey(c.ParentID, text.Fold(c.Name)), nil, nil)
			tx.Delete(store.CategorySlugKey(c.ParentID, c.Slug), nil, nil)
			names = append(names, c.Name)
		}
		for _, p := range parents {
			tx.Update(store.CategoryKey(p), expression.Add(expression.Name("childCount"), expression.Value(-parentDec[p])), nil, nil)
		}
		ev := audit.New(actor, "category.delete", "category", root.ID, summary(root, names), now)
		if len(part) == 1 && part[0].ID == root.ID {
			ev.Changes = audit.Diff(snapshot(root), nil)
		}
		ev.Add(tx)
		if err := s.Store.Write(ctx, tx); err != nil {
			return err
		}
		for _, c := range part {
			if c.ThumbnailKey != "" && s.Objects != nil {
				if err := s.Objects.Delete(ctx, c.ThumbnailKey); err != nil {
					logDeleteFailure(ctx, c.ThumbnailKey, err)
				}
			}
		}
	}
	return nil
}

func summary(root *store.Category, names []string) string {
	if len(names) == 1 && names[0] == root.Name {
		return "Deleted category " + root.Name
	}
	shown := names
	if len(shown) > 10 {
		shown = append(shown[:10:10], fmt.Sprintf("and %d more", len(names)-10))
	}
	return fmt.Sprintf("Deleted %d categories of the subtree of %s: %s", len(names), root.Name, strings.Join(shown, ", "))
}
