// The action's backward slice and its flow labels, recomputed with recursive CTEs over the stored edges
// (ARCHITECTURE.md §6). An edge from → to means `to` depends on `from`; labels flow from a dependency to its dependents.
import { perBundleCheck } from './table-check.js';

/**
 * backward_slice: walking edges backwards from the action's own observations (the slice's roots, which must
 * include everything its receipts cite) reaches every node the bundle lists, and no edge leaves the listed
 * nodes. A node nothing of the action depends on, or a dependency cut off, means the slice is not what the
 * graph says.
 */
export const backwardSlice = perBundleCheck(
  'backward_slice',
  `WITH RECURSIVE anchors AS (
     SELECT DISTINCT n.file, n.node_id
     FROM slice_nodes n
     JOIN slice_roots r ON r.file = n.file AND r.node_id = n.node_id
   ), reached(file, node_id) AS (
     SELECT file, node_id FROM anchors
     UNION
     SELECT e.file, e.from_id FROM reached r JOIN slice_edges e ON e.file = r.file AND e.to_id = r.node_id
   )
   SELECT n.file, format('node {} ({}) is not something the action depends on', n.node_id, n.name) AS problem
   FROM slice_nodes n
   WHERE n.file IN (SELECT file FROM anchors)
     AND NOT EXISTS (SELECT 1 FROM reached r WHERE r.file = n.file AND r.node_id = n.node_id)
   UNION ALL
   SELECT DISTINCT file, 'no root of the slice is one of its nodes' FROM slice_nodes
   WHERE file NOT IN (SELECT file FROM anchors)
   UNION ALL
   SELECT c.file, format('receipts cite {}, which is not one of the action''s own observations (slice roots)', c.id)
   FROM (SELECT DISTINCT file, unnest(observation_ids) AS id FROM receipts) c
   WHERE NOT EXISTS (SELECT 1 FROM slice_roots r WHERE r.file = c.file AND r.node_id = c.id)
   UNION ALL
   SELECT e.file, format('edge {} → {} ({}) has an end outside the slice', e.from_id, e.to_id, e.edge_type)
   FROM slice_edges e
   WHERE NOT EXISTS (SELECT 1 FROM slice_nodes n WHERE n.file = e.file AND n.node_id = e.from_id)
      OR NOT EXISTS (SELECT 1 FROM slice_nodes n WHERE n.file = e.file AND n.node_id = e.to_id)`,
);

/** flow_labels: every node carries every label of everything it transitively depends on. */
export const flowLabels = perBundleCheck(
  'flow_labels',
  `WITH RECURSIVE ancestry(file, node_id, ancestor_id) AS (
     SELECT file, to_id, from_id FROM slice_edges
     UNION
     SELECT a.file, a.node_id, e.from_id FROM ancestry a JOIN slice_edges e ON e.file = a.file AND e.to_id = a.ancestor_id
   ), inherited AS (
     SELECT DISTINCT a.file, a.node_id, unnest(n.labels) AS label
     FROM ancestry a JOIN slice_nodes n ON n.file = a.file AND n.node_id = a.ancestor_id
   )
   SELECT i.file,
          format('node {} ({}) lacks {} from what it depends on', i.node_id, n.name, string_agg(i.label, ', ' ORDER BY i.label)) AS problem
   FROM inherited i JOIN slice_nodes n ON n.file = i.file AND n.node_id = i.node_id
   WHERE NOT list_contains(n.labels, i.label)
   GROUP BY i.file, i.node_id, n.name`,
);
