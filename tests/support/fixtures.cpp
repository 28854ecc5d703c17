#include "fixtures.hpp"

#include <boost/archive/iterators/binary_from_base64.hpp>
#include <boost/archive/iterators/transform_width.hpp>
#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tcpchat::test {
namespace json = boost::json;

std::string fixtures_dir() {
  return TCPCHAT_FIXTURES_DIR;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read fixture " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string base64_decode(const std::string& text) {
  using namespace boost::archive::iterators;
  using Decoder = transform_width<binary_from_base64<std::string::const_iterator>, 8, 6>;
  std::string trimmed = text;
  std::size_t padding = 0;
  while (!trimmed.empty() && trimmed.back() == '=') {
    trimmed.pop_back();
    ++padding;
  }
  std::string out(Decoder(trimmed.begin()), Decoder(trimmed.end()));
  (void)padding;  // transform_width drops the incomplete trailing group by itself
  return out;
}

namespace {

std::optional<Message> to_message(const json::value& v) {
  const auto& o = v.as_object();
  Message m;
  std::string* fields[] = {&m.client_name, &m.subject, &m.message, &m.date};
  const char* names[] = {"client_name", "subject", "message", "date"};
  for (int i = 0; i < 4; ++i) {
    const json::value& f = o.at(names[i]);
    if (!f.is_string()) return std::nullopt;
    *fields[i] = std::string(f.as_string());
  }
  return m;
}

json::value load_json(const std::string& file) {
  return json::parse(read_file(fixtures_dir() + "/" + file));
}

}  // namespace

std::vector<FixtureCase> load_cases() {
  std::vector<FixtureCase> out;
  const json::value cases = load_json("cases.json");
  for (const auto& v : cases.as_array()) {
    const auto& o = v.as_object();
    FixtureCase c;
    c.name = std::string(o.at("name").as_string());
    c.category = std::string(o.at("category").as_string());
    c.sent = base64_decode(std::string(o.at("sent_b64").as_string()));
    const auto& plan = o.at("send_plan").as_object();
    for (const auto& n : plan.at("chunks").as_array()) {
      c.chunks.push_back(static_cast<std::size_t>(n.to_number<std::int64_t>()));
    }
    c.shutdown_after = plan.at("after").as_string() == "shutdown_wr";
    if (const auto* msgs = o.if_contains("expect_messages")) {
      for (const auto& m : msgs->as_array()) {
        if (auto message = to_message(m)) c.expect_messages.push_back(*message);
      }
    }
    if (const auto* frames = o.if_contains("expect_broadcast_b64")) {
      for (const auto& f : frames->as_array()) {
        c.expect_broadcast.push_back(base64_decode(std::string(f.as_string())));
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<EncoderVector> load_encoder_vectors() {
  std::vector<EncoderVector> out;
  const json::value vectors = load_json("encoder.json");
  for (const auto& v : vectors.at("vectors").as_array()) {
    const auto& o = v.as_object();
    out.push_back({std::string(o.at("name").as_string()), to_message(o.at("fields")),
                   base64_decode(std::string(o.at("send_b64").as_string()))});
  }
  return out;
}

}  // namespace tcpchat::test
