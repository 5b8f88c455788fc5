// SPDX-License-Identifier: GPL-2.0
/* Which type each tensor becomes (see type_plan.h). */
#include <errno.h>

#include "type_plan.h"
#include "mixed.h"
#include "qgroup.h"
#include "../../../kmod/engine/type_traits.h"

u32 type_plan_weight_type(u32 bits, bool asym)
{
	if (bits == 8)
		return SLMQ_TYPE_Q8_0;
	return asym ? SLMQ_TYPE_Q4_1 : SLMQ_TYPE_Q4_0;
}

int type_plan_init(struct qplan *p, struct hf_model *m, u32 weight_type,
		   u32 embd_type, u32 out_type, struct slmq_err *err)
{
	size_t i;
	int ret = qplan_alloc(p, m, weight_type, err);

	for (i = 0; !ret && i < p->n; i++) {
		struct qplan_entry *e = &p->e[i];

		if (e->t->n_dims == 1)
			continue;	/* F32 */
		if (e->t->kind == HF_TOKEN_EMBD)
			e->type = embd_type;
		else if (e->t->kind == HF_OUTPUT)
			e->type = out_type;
		if (!slmq_row_bytes(e->type, e->t->cols))
			e->type = SLMQ_TYPE_F16;	/* row not a whole number of blocks */
	}
	return ret;
}

/* --mixed rules by name, on the 2-D weights. */
static int apply_mixed(struct qplan *plan, const char *spec, bool asym,
		       struct slmq_err *err)
{
	struct mixed_map mm;
	size_t i;

	if (mixed_parse(spec, asym, &mm, err))
		return err->code;
	for (i = 0; i < plan->n; i++) {
		struct qplan_entry *e = &plan->e[i];

		if (e->t->n_dims != 2)
			continue;
		e->type = mixed_type_for(&mm, e->t->name, e->type);
		if (qg_type_ok(e->type) && e->t->cols % SLMQ_QK)
			e->type = SLMQ_TYPE_F16;	/* as type_plan_init falls back */
	}
	return 0;
}

/* Every block-typed tensor must hold whole groups. */
static int check_groups(const struct qplan *plan, u32 group_size,
			struct slmq_err *err)
{
	size_t i;

	for (i = 0; i < plan->n; i++) {
		const struct qplan_entry *e = &plan->e[i];

		if (qg_type_ok(e->type) && e->t->cols % group_size)
			return slmq_fail(err, -EINVAL,
					 "%s: row length %llu is not a multiple of --group-size %u",
					 e->t->name, (unsigned long long)e->t->cols, group_size);
	}
	return 0;
}

int type_plan_build(struct qplan *plan, struct hf_model *m,
		    const struct slmq_quantize_params *p, struct slmq_err *err)
{
	int ret = type_plan_init(plan, m, type_plan_weight_type(p->bits, p->asym),
				 p->embd_type, p->output_type, err);

	if (!ret && p->mixed)
		ret = apply_mixed(plan, p->mixed, p->asym, err);
	if (!ret)
		ret = check_groups(plan, p->group_size, err);
	if (ret)
		qplan_free(plan);
	return ret;
}
