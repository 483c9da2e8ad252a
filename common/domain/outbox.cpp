#include "domain/outbox.hpp"

namespace usersvc {

const char* nameOf(MessageStatus status) {
    switch (status) {
    case MessageStatus::Queued: return "queued";
    case MessageStatus::Sent: return "sent";
    case MessageStatus::Kept: return "kept";
    case MessageStatus::Failed: return "failed";
    }
    return "queued";
}

std::optional<MessageStatus> messageStatusNamed(const std::string& name) {
    for (auto status : {MessageStatus::Queued, MessageStatus::Sent, MessageStatus::Kept, MessageStatus::Failed})
        if (name == nameOf(status)) return status;
    return std::nullopt;
}

} // namespace usersvc
