package categories

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/shared/audit"
	"backoffice/shared/problem"
	"backoffice/shared/store"
	"backoffice/shared/text"
)

// Update edits, renames and moves a category. A move to another parent
// checks the new parent's ancestors for the category itself (409 cycle) and
// keeps every one of them as read (a condition check in the transaction), so
// two moves at once can not make a loop either.
func (s *Service) Update(ctx context.Context, actor audit.Actor, id string, in Input, ifMatch int64) (*View, error) {
	if err := in.validate(false); err != nil {
		return nil, err
	}
	c, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	if ifMatch != 0 && ifMatch != c.Version {
		return nil, problem.PreconditionFailed
	}
	old := *c
	if in.Name != nil {
		c.Name, c.Slug = *in.Name, Slug(*in.Name)
	}
	if in.Description != nil {
		c.Description = *in.Description
	}
	if in.ParentID.Set {
		c.ParentID = in.ParentID.str()
	}
	if in.ThumbnailURL.Set {
		c.ThumbnailURL, c.ThumbnailKey = in.ThumbnailURL.str(), ""
		if c.ThumbnailURL == old.ThumbnailURL {
			c.ThumbnailKey = old.ThumbnailKey
		}
	}
	moved := c.ParentID != old.ParentID
	var ancestors []*store.Category
	if moved && c.ParentID != "" {
		if ancestors, err = s.ancestors(ctx, c.ID, c.ParentID); err != nil {
			return nil, err
		}
	}
	prev := old.Version
	if moved || in.Position != nil || in.Before != nil || in.After != nil {
		var renumbered bool
		if c.Rank, renumbered, err = s.place(ctx, actor, c.ParentID, c.ID, in); err != nil {
			return nil, err
		}
		if renumbered && !moved {
			// Spreading out the siblings gave this category a new version
			// too; anything beyond that one step is someone else's change.
			fresh, err := s.get(ctx, c.ID)
			if err != nil {
				return nil, err
			}
			if fresh.Version != old.Version+1 {
				return nil, problem.PreconditionFailed
			}
			prev = fresh.Version
		}
	}
	changes := audit.Diff(snapshot(&old), snapshot(c))
	if changes == nil {
		v := viewOf(&old)
		return &v, nil
	}
	now := s.Now().UTC()
	c.UpdatedAt, c.Version = now.Format(time.RFC3339), prev+1
	c.Index()

	tx := s.Store.Tx()
	cond := expression.Name("version").Equal(expression.Value(prev))
	update := setFields(c)
	if c.ThumbnailURL != old.ThumbnailURL && old.PendingThumbnailKey != "" {
		// A thumbnail chosen here wins over an upload not landed yet: when
		// it lands, the object is removed as an orphan (ThumbnailUploaded).
		update = update.Remove(expression.Name("pendingThumbnailKey")).
			Remove(expression.Name("pendingThumbnailBy")).
			Remove(expression.Name("pendingThumbnailByEmail"))
	}
	tx.Update(store.CategoryKey(c.ID), update, &cond, problem.PreconditionFailed)
	if moved || text.Fold(old.Name) != text.Fold(c.Name) {
		tx.Delete(store.CategoryNameKey(old.ParentID, text.Fold(old.Name)), nil, nil)
		tx.PutNew(nameClaim(c), problem.NameTaken)
	}
	if moved || old.Slug != c.Slug {
		tx.Delete(store.CategorySlugKey(old.ParentID, old.Slug), nil, nil)
		tx.PutNew(slugClaim(c), slugTaken)
	}
	if moved {
		// The new parent (first) and everything above it must be as read: a
		// concurrent move of any of them fails this one. An item may appear
		// once per transaction, so when the old parent is one of them its
		// count goes down in that same operation.
		oldParentDone := old.ParentID == ""
		for i, a := range ancestors {
			same := expression.Name("version").Equal(expression.Value(a.Version))
			changed := problem.Conflict.With("The categories above the new parent changed meanwhile; try again.")
			switch {
			case i == 0:
				tx.Update(store.CategoryKey(a.ID), expression.Add(expression.Name("childCount"), expression.Value(1)), &same, changed)
			case a.ID == old.ParentID:
				tx.Update(store.CategoryKey(a.ID), expression.Add(expression.Name("childCount"), expression.Value(-1)), &same, changed)
				oldParentDone = true
			default:
				tx.Check(store.CategoryKey(a.ID), same, changed)
			}
		}
		if !oldParentDone {
			tx.Update(store.CategoryKey(old.ParentID), expression.Add(expression.Name("childCount"), expression.Value(-1)), nil, nil)
		}
	}
	ev := audit.New(actor, "category.update", "category", c.ID, "Updated category "+c.Name, now)
	ev.Changes = changes
	ev.Add(tx)
	if err := s.Store.Write(ctx, tx); err != nil {
		return nil, err
	}
	if old.ThumbnailKey != "" && old.ThumbnailKey != c.ThumbnailKey && s.Objects != nil {
		if err := s.Objects.Delete(ctx, old.ThumbnailKey); err != nil {
			logDeleteFailure(ctx, old.ThumbnailKey, err)
		}
	}
	v := viewOf(c)
	return &v, nil
}

// ancestors reads parentID and every category above it, nearest first. A
// chain that reaches id means the move would put the category under itself.
func (s *Service) ancestors(ctx context.Context, id, parentID string) ([]*store.Category, error) {
	var chain []*store.Category
	for next := parentID; next != ""; {
		if next == id {
			return nil, problem.Cycle.With("A category can not move under itself or one of its subcategories.")
		}
		if len(chain) == maxDepth {
			return nil, problem.Invalid(problem.TooDeep("parentId", maxDepth))
		}
		a, err := s.get(ctx, next)
		if errors.Is(err, problem.NotFound) {
			if len(chain) == 0 {
				return nil, problem.Invalid(problem.NoSuch("parentId", "category"))
			}
			return nil, problem.Conflict.With("The categories above the new parent changed meanwhile; try again.")
		}
		if err != nil {
			return nil, err
		}
		chain = append(chain, a)
		next = a.ParentID
	}
	return chain, nil
}

// setFields writes the editable fields of c and leaves childCount alone: it
// changes with the children's own transactions, never through a stale copy.
func setFields(c *store.Category) expression.UpdateBuilder {
	u := expression.Set(expression.Name("name"), expression.Value(c.Name)).
		Set(expression.Name("slug"), expression.Value(c.Slug)).
		Set(expression.Name("description"), expression.Value(c.Description)).
		Set(expression.Name("rank"), expression.Value(c.Rank)).
		Set(expression.Name("gsi5pk"), expression.Value(c.GSI5PK)).
		Set(expression.Name("gsi5sk"), expression.Value(c.GSI5SK)).
		Set(expression.Name("updatedAt"), expression.Value(c.UpdatedAt)).
		Set(expression.Name("version"), expression.Value(c.Version))
	for name, v := range map[string]string{"parentId": c.ParentID, "thumbnailUrl": c.ThumbnailURL, "thumbnailKey": c.ThumbnailKey} {
		if v == "" {
			u = u.Remove(expression.Name(name))
		} else {
			u = u.Set(expression.Name(name), expression.Value(v))
		}
	}
	return u
}
