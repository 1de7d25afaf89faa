#include "clientframechecker.h"

namespace confab::server {

ClientFrameChecker::Verdict ClientFrameChecker::feed(QByteArrayView bytes)
{
    qsizetype i = 0;
    const qsizetype n = bytes.size();
    while (i < n && m_verdict == Verdict::Ok) {
        switch (m_state) {
        case State::Byte0: // FIN, RSV, opcode: WsFrameReader checks those
            ++i;
            m_state = State::Byte1;
            break;
        case State::Byte1: {
            const quint8 b = quint8(bytes[i++]);
            if (!(b & 0x80)) {
                m_verdict = Verdict::Unmasked;
                break;
            }
            const quint8 len = b & 0x7F;
            m_length = 0;
            m_maskBytes = 4;
            if (len < 126) {
                m_length = len;
                m_state = State::Mask;
            } else {
                m_lengthBytes = len == 126 ? 2 : 8;
                m_state = State::Length;
            }
            break;
        }
        case State::Length:
            m_length = (m_length << 8) | quint8(bytes[i++]);
            if (--m_lengthBytes == 0) {
                if (m_length >> 63) {
                    m_verdict = Verdict::BadLength;
                    break;
                }
                m_state = State::Mask;
            }
            break;
        case State::Mask: {
            const qsizetype take = qMin<qsizetype>(m_maskBytes, n - i);
            i += take;
            m_maskBytes -= int(take);
            if (m_maskBytes == 0) {
                m_payload = m_length;
                m_state = m_payload ? State::Payload : State::Byte0;
            }
            break;
        }
        case State::Payload: {
            const quint64 take = qMin<quint64>(m_payload, quint64(n - i));
            i += qsizetype(take);
            m_payload -= take;
            if (m_payload == 0)
                m_state = State::Byte0;
            break;
        }
        }
    }
    return m_verdict;
}

} // namespace confab::server
