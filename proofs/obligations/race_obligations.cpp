#include "proofs/obligations/race_obligations.h"

#include <chrono>

#include "proofs/model/race_model.h"

namespace ptc::proofs {

std::vector<Obligation> race_obligations() {
  const char* statement =
      "two maps of neighbouring 4K pages racing to install the table below the same empty slot (either page "
      "first, the other map at any point of it): both return 0, both pages are mapped at the end, no freed table "
      "is used";
  return {{"race.map-install.both-mapped", statement, false, 20000, [statement](const ProveTarget& t, unsigned ms) {
             const auto t0 = std::chrono::steady_clock::now();
             Result r;
             r.statement = statement;
             size_t recordings = 0, groups = 0;
             r.verdict = Verdict::kProved;
             for (unsigned mine : {0u, 1u}) {
               const RaceSubject subj = record_race(t.ops, 2, mine);
               recordings += subj.recordings;
               groups += subj.groups.size();
               if (!subj.skipped.empty() || !subj.unknown.empty()) {
                 r.verdict = subj.skipped.empty() ? Verdict::kUnknown : Verdict::kSkipped;
                 r.note = subj.skipped.empty() ? subj.unknown : subj.skipped;
                 break;
               }
               const RaceOutcome o = check_race(subj, ms);
               r.bound = o.bound;
               if (o.verdict != Verdict::kProved) {
                 r.verdict = o.verdict;
                 r.counterexample = o.counterexample;
                 r.script = o.script;
                 r.note = o.note;
                 break;
               }
             }
             if (r.note.empty())
               r.note = std::to_string(recordings) + " recording(s), " + std::to_string(groups) + " distinct step sequence(s)";
             r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
             return r;
           }}};
}

}  // namespace ptc::proofs
