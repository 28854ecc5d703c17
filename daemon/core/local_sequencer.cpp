#include "core/local_sequencer.hpp"

#include "tcpchat/wire.hpp"

namespace tcpchat {

void LocalSequencer::submit(const std::shared_ptr<Origin>& origin,
                            std::span<const Message> messages) {
  if (messages.empty()) return;
  if (journal_) {
    if (auto error = journal_->record(messages)) {
      if (origin) {
        origin->refused(messages, {std::string(server_subject::storage_error),
                                   "the server could not record your message, so it was not "
                                   "delivered; try again later",
                                   std::move(*error)});
      }
      return;
    }
  }
  for (const Message& m : messages) {
    sink_.on_sequenced({++last_seq_, encode_frame(m), &m, origin.get()});
  }
}

}  // namespace tcpchat
